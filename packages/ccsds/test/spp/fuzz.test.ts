import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from 'ccsds/core';
import {
  decodeSpacePacket,
  decodeSpacePacketHeader,
  encodeSpacePacket,
  readSpacePackets,
  validateSpacePackets,
  SegmentReassembler,
  segmentUserData,
} from 'ccsds/spp';
import { fuzzDecoder } from '../support/fuzz.js';

const rng = new SeededRandom(2024);
const seeds = Array.from({ length: 40 }, (_, i) =>
  encodeSpacePacket({
    apid: rng.nextInt(2048),
    packetType: i % 2 === 0 ? 0 : 1,
    secondaryHeader: rng.bytes(rng.nextInt(8)),
    userData: rng.bytes(1 + rng.nextInt(80)),
    packetErrorControl: i % 3 === 0,
  }),
);
const streams = Array.from({ length: 20 }, () => {
  const parts = Array.from({ length: 5 }, () => rng.pick(seeds));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
});

test('fuzz: primary header decoder', () => {
  const s = fuzzDecoder((b) => decodeSpacePacketHeader(b), { seeds, seed: 1 });
  assert.ok(s.accepted > 0 && s.rejected > 0);
});

test('fuzz: packet decoder, with and without packet error control', () => {
  const s = fuzzDecoder((b) => decodeSpacePacket(b), { seeds, seed: 2 });
  assert.ok(s.accepted > 0 && s.rejected > 0);
  const t = fuzzDecoder((b) => decodeSpacePacket(b, { packetErrorControl: true }), {
    seeds,
    seed: 3,
  });
  assert.ok(t.codes['BAD_CRC']! > 0);
});

test('fuzz: stream reader and validator account for every octet', () => {
  let packets = 0;
  fuzzDecoder(
    (b) => {
      const r = readSpacePackets(b, {
        validApids: [1, 2, 3, ...seeds.map((x) => ((x[0]! & 7) << 8) | x[1]!)],
      });
      const covered =
        r.packets.reduce((a, p) => a + p.bytes.length, 0) +
        r.skipped.reduce((a, s) => a + s.end - s.start, 0);
      if (covered !== b.length) throw new Error(`covered ${covered} of ${b.length}`);
      packets += r.packets.length;
      validateSpacePackets(b, { packetErrorControl: true });
    },
    { seeds: streams, seed: 4, maxRandomLength: 300 },
  );
  assert.ok(packets > 0);
});

test('fuzz: reassembler never throws on hostile packet sequences', () => {
  const segs = segmentUserData(rng.bytes(500), { apid: 7, maxDataFieldLength: 60 });
  const r = new SegmentReassembler({ maxUserDataLength: 1000 });
  fuzzDecoder(
    (b) => {
      const { packets } = readSpacePackets(b);
      for (const p of packets) r.push(decodeSpacePacket(p.bytes));
    },
    { seeds: [...segs, ...streams], seed: 5, runs: 100_000 },
  );
});
