import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, toHex } from 'ccsds/core';
import {
  MixedPacketReader,
  ProtocolId,
  encodeEncapsulationPacket,
  readMixedPackets,
} from 'ccsds/epp';
import { encodeSpacePacket } from 'ccsds/spp';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';

function mixed(seed: number, n: number): { parts: Uint8Array[]; kinds: string[] } {
  const rng = new SeededRandom(seed);
  const parts: Uint8Array[] = [];
  const kinds: string[] = [];
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.5)) {
      parts.push(
        encodeSpacePacket({
          apid: 1 + rng.nextInt(5),
          packetSequenceCount: i,
          userData: rng.bytes(1 + rng.nextInt(300)),
        }),
      );
      kinds.push('space');
    } else {
      parts.push(
        encodeEncapsulationPacket({
          protocolId: rng.pick([ProtocolId.CFDP, ProtocolId.BP, ProtocolId.LTP]),
          data: rng.bytes(rng.nextInt(400)),
        }),
      );
      kinds.push('encapsulation');
    }
  }
  return { parts, kinds };
}

test('Space and Encapsulation Packets in one stream are told apart by version, in any chunking', () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 1, max: 200 }), (seed, chunk) => {
      const { parts, kinds } = mixed(seed, 30);
      const stream = Uint8Array.from(parts.flatMap((p) => [...p]));
      const got: string[] = [];
      const r = new MixedPacketReader(
        (p) => got.push(`${p.kind}:${toHex(p.bytes)}`),
        () => assert.fail('nothing to skip'),
        { spacePackets: { validApids: [1, 2, 3, 4, 5] } },
      );
      for (let o = 0; o < stream.length; o += chunk) r.push(stream.slice(o, o + chunk));
      r.end();
      assert.deepEqual(
        got,
        parts.map((p, i) => `${kinds[i]}:${toHex(p)}`),
      );
    }),
    { numRuns: 100 },
  );
});

test('versions other than 000 and 111 are skipped as garbage', () => {
  const { parts } = mixed(3, 4);
  const stream = Uint8Array.from([
    ...parts[0]!,
    0x20,
    0x40,
    0x60,
    ...parts[1]!,
    ...parts[2]!,
    ...parts[3]!,
  ]);
  const { packets, skipped } = readMixedPackets(stream, {
    spacePackets: { validApids: [1, 2, 3, 4, 5] },
  });
  assert.equal(packets.length, 4);
  assert.deepEqual(
    skipped.map((s) => s.end - s.start),
    [3],
  );
});

test('fuzz: the mixed reader accounts for every octet and throws only CcsdsError', () => {
  const seeds = Array.from({ length: 10 }, (_, i) =>
    Uint8Array.from(mixed(i, 6).parts.flatMap((p) => [...p])),
  );
  fuzzDecoder(
    (b) => {
      const { packets, skipped } = readMixedPackets(b);
      const n =
        packets.reduce((a, p) => a + p.bytes.length, 0) +
        skipped.reduce((a, s) => a + s.end - s.start, 0);
      if (n !== b.length) throw new Error(`accounted ${n} of ${b.length}`);
    },
    { seeds, seed: 9, maxRandomLength: 200 },
  );
});
