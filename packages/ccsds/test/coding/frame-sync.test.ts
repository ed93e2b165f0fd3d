import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ASM,
  ASM_INVERTED,
  CLTU_START_SEQUENCE,
  CLTU_TAIL_SEQUENCE,
  FrameSynchronizer,
  type FrameSyncOptions,
  type SyncFrame,
  attachSyncMarker,
  frameSync,
  frameSyncAsync,
} from 'ccsds/coding';
import { BitWriter, CcsdsError, SeededRandom, concatBytes, fromHex, toHex } from 'ccsds/core';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

interface Marker {
  name: string;
  hex: string;
  bits: number;
  cross_checked: boolean;
}
const asmFile = loadVectors<{ markers: Marker[]; tc_sequences: Marker[]; other: Marker[] }>(
  'coding/asm.json',
);

test('cross-checked markers of asm.json', () => {
  const checked = [...asmFile.markers, ...asmFile.tc_sequences].filter((m) => m.cross_checked);
  assert.ok(checked.length >= 4);
  const ours: Record<string, Uint8Array> = {
    'ASM 32-bit': ASM,
    'ASM 32-bit, complemented': ASM_INVERTED,
    'CLTU start sequence (BCH)': CLTU_START_SEQUENCE,
    'CLTU tail sequence (BCH)': CLTU_TAIL_SEQUENCE,
  };
  for (const m of checked) {
    const mine = ours[m.name];
    assert.ok(mine !== undefined, `no constant for ${m.name}`);
    assert.equal(toHex(mine), m.hex);
    assert.equal(mine.length * 8, m.bits);
  }
  assert.equal(toHex(attachSyncMarker(fromHex('0102'))), '1acffc1d0102');
  assert.equal(toHex(attachSyncMarker([fromHex('01'), fromHex('02')])), '1acffc1d011acffc1d02');
});

interface Built {
  stream: Uint8Array;
  frames: Uint8Array[];
  markerStarts: number[];
  markerErrors: number[];
}

/** Bit stream: `offset` random bits, then marker+frame per frame with the given marker errors. */
function build(
  rng: SeededRandom,
  marker: Uint8Array,
  frames: Uint8Array[],
  offset: number,
  errors: number[],
  invert: boolean,
): Built {
  const w = new BitWriter(64);
  // Leading junk. A 16-bit marker turns up in random bits about once every 65,536 positions,
  // which a property run meets now and then; before short markers the junk alternates 0101...,
  // which cannot contain EB90 (it has no two consecutive ones).
  for (let i = 0; i < offset; i++) w.write(1, marker.length <= 2 ? i & 1 : rng.nextInt(2));
  const markerStarts: number[] = [];
  const mbits = marker.length * 8;
  frames.forEach((f, k) => {
    markerStarts.push(w.bitOffset);
    const m = marker.slice();
    const hit = new Set<number>();
    while (hit.size < errors[k]!) hit.add(rng.nextInt(mbits));
    for (const b of hit) m[b >> 3] = m[b >> 3]! ^ (0x80 >> (b & 7));
    for (const byte of m) w.write(8, byte);
    for (const byte of f) w.write(8, byte);
  });
  for (let i = 0; i < 8; i++) w.write(1, rng.nextInt(2));
  const stream = w.finish();
  if (invert) for (let i = 0; i < stream.length; i++) stream[i] = stream[i]! ^ 0xff;
  return { stream, frames, markerStarts, markerErrors: errors };
}

function pushChunked(fs: FrameSynchronizer, data: Uint8Array, rng: SeededRandom): SyncFrame[] {
  const out: SyncFrame[] = [];
  let o = 0;
  while (o < data.length) {
    const n = rng.chance(0.3) ? 1 + rng.nextInt(3) : 1 + rng.nextInt(400);
    out.push(...fs.push(data.subarray(o, o + n)));
    o += n;
  }
  return out;
}

function toSoft(packed: Uint8Array, rng: SeededRandom): Uint8Array {
  const out = new Uint8Array(packed.length * 8);
  for (let i = 0; i < out.length; i++) {
    const bit = (packed[i >> 3]! >> (7 - (i & 7))) & 1;
    const conf = 1 + rng.nextInt(127);
    out[i] = bit ? 127 + conf : 128 - conf;
  }
  return out;
}

test('property: frames at every bit offset, marker errors, both polarities, any chunking', () => {
  const markers = [ASM, fromHex('034776c7272895b0'), fromHex('eb90')];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 63 }),
      fc.constantFrom(0, 1, 2),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 1, max: 60 }),
      fc.integer(),
      (offset, markerIndex, invert, soft, frameLength, seed) => {
        const rng = new SeededRandom(seed);
        const marker = markers[markerIndex]!;
        const mbits = marker.length * 8;
        const searchErrors = mbits >= 32 ? rng.nextInt(3) : 0;
        const lockErrors = searchErrors + rng.nextInt(2);
        const nFrames = 2 + rng.nextInt(5);
        const frames = Array.from({ length: nFrames }, () => rng.bytes(frameLength));
        const errors = frames.map((_, k) => rng.nextInt((k === 0 ? searchErrors : lockErrors) + 1));
        const b = build(rng, marker, frames, offset, errors, invert);
        const opts: FrameSyncOptions = { frameLength, marker, searchErrors, lockErrors, soft };
        const fs = new FrameSynchronizer(opts);
        const got = pushChunked(fs, soft ? toSoft(b.stream, rng) : b.stream, rng);
        assert.equal(got.length, nFrames);
        got.forEach((f, k) => {
          assert.deepEqual(f.data, frames[k]);
          assert.equal(f.inverted, invert);
          assert.equal(f.markerErrors, errors[k]);
          assert.equal(f.markerBitOffset, b.markerStarts[k]);
          assert.equal(f.bitOffset, b.markerStarts[k]! + mbits);
          assert.equal(f.state, k === 0 ? 'search' : k === 1 ? 'check' : 'lock');
          if (soft) {
            assert.equal(f.soft!.length, frameLength * 8);
            for (let i = 0; i < 8; i++) {
              const bit = (frames[k]![i >> 3]! >> (7 - (i & 7))) & 1;
              assert.equal(f.soft![i]! >= 128 ? 1 : 0, bit);
            }
          } else {
            assert.equal(f.soft, undefined);
          }
        });
      },
    ),
    { numRuns: 400 },
  );
});

test('flywheel over a corrupted marker, loss of lock, re-acquisition after a bit slip', () => {
  const rng = new SeededRandom(8);
  const frameLength = 40;
  const frames = Array.from({ length: 12 }, () => rng.bytes(frameLength));
  const errors = frames.map((_, k) => (k === 4 ? 10 : 0)); // marker 4 destroyed
  const b = build(rng, ASM, frames, 5, errors, false);
  // Delete one bit inside frame 7 (a slip): everything after moves one bit earlier.
  const slipAt = b.markerStarts[7]! + 32 + 100;
  const w = new BitWriter(b.stream.length);
  for (let i = 0; i < b.stream.length * 8; i++) {
    if (i === slipAt) continue;
    w.write(1, (b.stream[i >> 3]! >> (7 - (i & 7))) & 1);
  }
  const fs = new FrameSynchronizer({ frameLength, flywheelThreshold: 1 });
  const got = pushChunked(fs, w.finish(), rng);
  const states = got.map((f) => f.state);
  // 0 search, 1 check, 2-3 lock, 4 flywheel, 5-7 lock, 8 flywheel (slipped), then lost:
  assert.deepEqual(states.slice(0, 9), [
    'search',
    'check',
    'lock',
    'lock',
    'flywheel',
    'lock',
    'lock',
    'lock',
    'flywheel',
  ]);
  assert.deepEqual(got[4]!.data, frames[4]);
  assert.equal(got[4]!.markerErrors, 10);
  // After losing lock the search restarts right after the last good marker and finds 8.. again.
  const after = got.slice(9);
  assert.equal(after[0]!.state, 'search');
  assert.deepEqual(
    after.map((f) => toHex(f.data)),
    frames.slice(8).map((f) => toHex(f)),
  );
  assert.equal(after[0]!.markerBitOffset, b.markerStarts[8]! - 1);
  assert.equal(fs.stats.lossesOfLock, 1);
  assert.equal(fs.stats.flywheelFrames, 2);
});

test('a false marker in search is dropped by CHECK and the search resumes behind it', () => {
  const rng = new SeededRandom(2);
  const frameLength = 30;
  const frames = Array.from({ length: 4 }, () => rng.bytes(frameLength));
  const b = build(rng, ASM, frames, 0, [0, 0, 0, 0], false);
  // A fake marker 100 bits before the real first one, inside a garbage prefix.
  const prefix = new Uint8Array(20);
  prefix.set(ASM, 4);
  const stream = concatBytes([prefix, b.stream]);
  const got = [...frameSync([stream], { frameLength })];
  assert.equal(got[0]!.markerBitOffset, 32); // the fake one is delivered as found in search
  const real = got.slice(1);
  assert.deepEqual(
    real.map((f) => toHex(f.data)),
    frames.map((f) => toHex(f)),
  );
  assert.equal(real[0]!.state, 'search');
  assert.equal(real[0]!.markerBitOffset, 160);
});

test('polarity restriction, immediate lock, options checks', async () => {
  const rng = new SeededRandom(4);
  const frames = [rng.bytes(10), rng.bytes(10)];
  const b = build(rng, ASM, frames, 3, [0, 0], true);
  assert.equal([...frameSync([b.stream], { frameLength: 10, polarity: 'normal' })].length, 0);
  const inv = [
    ...frameSync([b.stream], { frameLength: 10, polarity: 'inverted', checkThreshold: 0 }),
  ];
  assert.deepEqual(
    inv.map((f) => [f.state, f.inverted]),
    [
      ['search', true],
      ['lock', true],
    ],
  );
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield b.stream.subarray(0, 5);
    yield b.stream.subarray(5);
  }
  const viaAsync: SyncFrame[] = [];
  for await (const f of frameSyncAsync(chunks(), { frameLength: 10 })) viaAsync.push(f);
  assert.equal(viaAsync.length, 2);
  assert.throws(() => new FrameSynchronizer({ frameLength: 0 }), CcsdsError);
  assert.throws(() => new FrameSynchronizer({ frameLength: 8, searchErrors: 16 }), CcsdsError);
  assert.throws(
    () => new FrameSynchronizer({ frameLength: 8, searchErrors: 3, lockErrors: 2 }),
    CcsdsError,
  );
});

test('memory stays bounded on a long stream of noise and of frames', () => {
  const rng = new SeededRandom(6);
  const fs = new FrameSynchronizer({ frameLength: 1115, searchErrors: 2 });
  const noise = rng.bytes(1 << 16);
  let maxBuffered = 0;
  for (let i = 0; i < 64; i++) {
    fs.push(noise);
    maxBuffered = Math.max(maxBuffered, fs.stats.bufferedBits);
  }
  const frames = Array.from({ length: 200 }, () => rng.bytes(1115));
  const stream = attachSyncMarker(frames);
  for (let i = 0; i < stream.length; i += 4096) {
    fs.push(stream.subarray(i, i + 4096));
    maxBuffered = Math.max(maxBuffered, fs.stats.bufferedBits);
  }
  assert.ok(fs.stats.frames >= 199);
  assert.equal(fs.stats.bits, (64 * noise.length + stream.length) * 8);
  assert.ok(maxBuffered < 4 * 1119 * 8 + 8192 * 8, `buffered ${maxBuffered} bits`);
});

test('fuzz: frame synchroniser on random and mutated streams', () => {
  const rng = new SeededRandom(13);
  const seeds = [attachSyncMarker([rng.bytes(16), rng.bytes(16), rng.bytes(16)])];
  const hard = new FrameSynchronizer({ frameLength: 16, searchErrors: 3, lockErrors: 4 });
  const soft = new FrameSynchronizer({ frameLength: 2, soft: true, searchErrors: 1 });
  let frames = 0;
  const stats = fuzzDecoder(
    (b) => {
      frames += hard.push(b).length;
      frames += soft.push(b).length;
    },
    { seeds, runs: 100_000 },
  );
  assert.equal(stats.rejected, 0);
  assert.ok(frames > 1000);
});
