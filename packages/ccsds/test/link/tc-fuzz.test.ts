import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from 'ccsds/core';
import { MapPacketReassembler, decodeTcFrame, encodeTcFrame, segmentMapPackets } from 'ccsds/link';
import { encodeSpacePacket } from 'ccsds/spp';
import { fuzzDecoder } from '../support/fuzz.js';

const rng = new SeededRandom(232);
const packets = Array.from({ length: 6 }, (_, i) =>
  encodeSpacePacket({ apid: i + 1, packetType: 1, userData: rng.bytes(1 + rng.nextInt(1500)) }),
);
const seeds: Uint8Array[] = [
  ...segmentMapPackets(packets, { mapId: 3, maxDataLength: 200 }).map((u, i) =>
    encodeTcFrame({
      spacecraftId: 435,
      virtualChannelId: 21,
      frameSequenceNumber: i,
      segmentHeader: u.segmentHeader,
      dataField: u.data,
      bypassFlag: i % 3 === 0,
    }),
  ),
  encodeTcFrame({ spacecraftId: 435, virtualChannelId: 21, controlCommand: { type: 'UNLOCK' } }),
  encodeTcFrame({
    spacecraftId: 435,
    virtualChannelId: 21,
    controlCommand: { type: 'SET_VR', vR: 9 },
  }),
];

test('fuzz: TC frame decoder (100,000 inputs, both managed-parameter sets)', () => {
  let k = 0;
  const r = new MapPacketReassembler({ maxPacketLength: 4096 });
  const s = fuzzDecoder(
    (b) => {
      const withSeg = (k++ & 1) === 0;
      const f = decodeTcFrame(b, {
        segmentHeaderPresent: withSeg,
        fecfPresent: withSeg || (k & 2) === 0,
        verifyFecf: (k & 4) === 0,
      });
      // Whatever decodes also feeds the reassembler, which must never throw.
      r.push(f.segmentHeader, f.dataField);
      return f;
    },
    { seeds, seed: 7, maxRandomLength: 300 },
  );
  assert.ok(s.accepted > 1000, `accepted ${s.accepted}`);
  for (const c of ['TRUNCATED', 'BAD_CRC', 'INVALID_FIELD']) assert.ok((s.codes[c] ?? 0) > 0, c);
});
