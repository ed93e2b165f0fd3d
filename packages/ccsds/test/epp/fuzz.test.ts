import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesEqual, CcsdsError, fromHex, SeededRandom, toHex } from 'ccsds/core';
import {
  classifyEncapsulationHeader,
  decodeEncapsulationPacket,
  decodeEncapsulationPacketHeader,
  encodeEncapsulationIdlePacket,
  encodeEncapsulationPacket,
  EncapsulationPacketReader,
  HEADER_TOO_LONG,
} from 'ccsds/epp';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

const RUNS = 100_000;

/** Valid packets to mutate: the vectors up to 1 KiB, every header form, and short streams. */
function seeds(): Uint8Array[] {
  const file = loadVectors<{ vectors: { hex: string }[]; invalid: { hex: string }[] }>(
    'epp/packets.json',
  );
  const out = [...file.vectors, ...file.invalid]
    .map((v) => fromHex(v.hex))
    .filter((b) => b.length <= 1024);
  const rng = new SeededRandom(99);
  for (let lol = 0; lol < 4; lol++) {
    for (let k = 0; k < 4; k++) {
      const n = lol === 0 ? 0 : rng.nextInt(lol === 1 ? 40 : 300);
      out.push(
        encodeEncapsulationPacket({
          protocolId: lol === 0 ? 0 : rng.nextInt(6),
          data: rng.bytes(n),
          lengthOfLength: lol,
          userDefinedField: lol >= 2 ? rng.nextInt(16) : 0,
        }),
      );
    }
  }
  const stream: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) {
    stream.push(encodeEncapsulationPacket({ protocolId: 1 + i, data: rng.bytes(rng.nextInt(30)) }));
    stream.push(encodeEncapsulationIdlePacket(1 + rng.nextInt(4)));
  }
  out.push(Uint8Array.from(stream.flatMap((p) => [...p])));
  return out;
}

const SEEDS = seeds();

function timed(name: string, fn: () => ReturnType<typeof fuzzDecoder>) {
  const t0 = performance.now();
  const stats = fn();
  const ms = performance.now() - t0;
  console.log(`${name}: ${stats.runs} inputs in ${ms.toFixed(0)} ms`, JSON.stringify(stats));
  assert.ok(stats.runs >= RUNS);
  return stats;
}

test('fuzz: header decoder (>= 100,000 inputs; agrees with the framer probe)', () => {
  const stats = timed('header', () =>
    fuzzDecoder(
      (bytes) => {
        const max = bytes.length > 0 && (bytes[0]! & 1) === 1 ? 300 : 0xffffffff;
        const c = classifyEncapsulationHeader(bytes, 0, bytes.length, max);
        let h;
        try {
          h = decodeEncapsulationPacketHeader(bytes, 0, { maxPacketLength: max });
        } catch (e) {
          const code = (e as CcsdsError).code;
          const agrees =
            (c === 0 && code === 'TRUNCATED') ||
            (c === -1 && code === 'INVALID_FIELD') ||
            (c === HEADER_TOO_LONG && code === 'LIMIT_EXCEEDED');
          if (e instanceof CcsdsError && !agrees) throw new Error(`probe ${c} but ${code}`);
          throw e;
        }
        if (c !== h.packetLength) throw new Error(`probe ${c} but length ${h.packetLength}`);
        return h;
      },
      { seeds: SEEDS, runs: RUNS, seed: 1 },
    ),
  );
  assert.ok(stats.accepted > 1000 && stats.rejected > 1000);
});

test('fuzz: packet decoder (>= 100,000 inputs; what decodes re-encodes to the same octets)', () => {
  const stats = timed('packet', () =>
    fuzzDecoder(
      (bytes) => {
        const p = decodeEncapsulationPacket(bytes, { maxPacketLength: 65_544 });
        const h = p.header;
        if (h.packetLength > bytes.length || p.data.length !== h.packetLength - h.headerLength) {
          throw new Error('inconsistent packet');
        }
        const again = encodeEncapsulationPacket({ ...h, data: p.data });
        if (!bytesEqual(again, bytes.subarray(0, h.packetLength))) {
          throw new Error(`re-encode differs: ${toHex(again)}`);
        }
        return p;
      },
      { seeds: SEEDS, runs: RUNS, seed: 2 },
    ),
  );
  assert.ok(stats.accepted > 1000 && stats.rejected > 1000);
  assert.ok((stats.codes['TRUNCATED'] ?? 0) > 0 && (stats.codes['INVALID_FIELD'] ?? 0) > 0);
});

test('fuzz: stream reader fed the mutated bytes as a stream (>= 100,000 inputs)', () => {
  let packets = 0;
  let skipped = 0;
  const stats = timed('stream', () =>
    fuzzDecoder(
      (bytes) => {
        // Every octet ends up in exactly one packet or one skipped range, in order.
        let covered = 0;
        const check = (start: number, end: number, what: string) => {
          if (start !== covered || end <= start) {
            throw new Error(`${what} ${start}-${end} but covered up to ${covered}`);
          }
          covered = end;
        };
        const v = bytes.length;
        const reader = new EncapsulationPacketReader(
          (p) => {
            packets++;
            if (p.bytes.length !== p.header.packetLength) throw new Error('length mismatch');
            if (!bytesEqual(p.bytes, bytes.subarray(p.offset, p.offset + p.bytes.length)))
              throw new Error('packet octets differ from the stream');
            check(p.offset, p.offset + p.bytes.length, 'packet');
          },
          (r) => {
            skipped++;
            check(r.start, r.end, r.reason);
          },
          {
            maxPacketLength: v % 3 === 0 ? 64 : 65_544,
            confirmResync: v % 5 !== 0,
            dropIdle: false,
          },
        );
        // Split in up to three chunks at positions that depend on the input.
        const a = v === 0 ? 0 : (bytes[0]! * 7) % (v + 1);
        const b = v === 0 ? 0 : a + ((bytes[v - 1]! * 13) % (v - a + 1));
        reader.push(bytes.subarray(0, a));
        reader.push(bytes.subarray(a, b));
        reader.push(bytes.subarray(b));
        reader.end();
        if (covered !== v) throw new Error(`covered ${covered} of ${v}`);
      },
      { seeds: SEEDS, runs: RUNS, seed: 3 },
    ),
  );
  assert.equal(stats.rejected, 0);
  assert.ok(packets > 10_000 && skipped > 10_000, `${packets} packets, ${skipped} ranges`);
});
