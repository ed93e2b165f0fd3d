import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FramedStreamReader,
  type Framer,
  NEED_MORE,
  NOT_A_UNIT,
  SeededRandom,
  type SkippedRange,
} from 'ccsds/core';
import fc from 'fast-check';

// A toy framer: units start with 0xA5, then a length octet L (1..50), then L payload octets,
// then a checksum octet (sum of the payload mod 256).
const framer: Framer = {
  maxHeaderLength: 2,
  maxUnitLength: 53,
  probe(b, o, end) {
    if (end - o < 1) return NEED_MORE;
    if (b[o] !== 0xa5) return NOT_A_UNIT;
    if (end - o < 2) return NEED_MORE;
    const l = b[o + 1]!;
    return l >= 1 && l <= 50 ? l + 3 : NOT_A_UNIT;
  },
  accept(u) {
    let s = 0;
    for (let i = 2; i < u.length - 1; i++) s = (s + u[i]!) & 0xff;
    return s === u[u.length - 1];
  },
};

function unit(rng: SeededRandom): Uint8Array {
  const l = 1 + rng.nextInt(50);
  const u = new Uint8Array(l + 3);
  u[0] = 0xa5;
  u[1] = l;
  let s = 0;
  for (let i = 0; i < l; i++) {
    u[2 + i] = rng.nextInt(0xa5); // payload never contains 0xa5
    s = (s + u[2 + i]!) & 0xff;
  }
  u[l + 2] = s;
  return u;
}

test('any chunking gives the same units and skips as one push', () => {
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const rng = new SeededRandom(seed);
      const parts: number[] = [];
      for (let i = 0; i < 30; i++) {
        if (rng.chance(0.3))
          for (let k = rng.nextInt(10); k >= 0; k--) parts.push(rng.nextInt(0xa5));
        parts.push(...unit(rng));
      }
      const stream = Uint8Array.from(parts);
      const run = (chunks: Uint8Array[]): string[] => {
        const out: string[] = [];
        const r = new FramedStreamReader(framer, {
          unit: (u, o) => out.push(`u${o}:${u.length}`),
          skipped: (s: SkippedRange) => out.push(`s${s.start}-${s.end}:${s.reason}`),
        });
        for (const c of chunks) r.push(c);
        r.end();
        return out;
      };
      const whole = run([stream]);
      const chunks: Uint8Array[] = [];
      for (let o = 0; o < stream.length; ) {
        const n = Math.min(stream.length - o, 1 + rng.nextInt(rng.chance(0.5) ? 3 : 80));
        chunks.push(stream.slice(o, o + n));
        o += n;
      }
      assert.deepEqual(run(chunks), whole);
      const unitOctets = whole
        .filter((x) => x.startsWith('u'))
        .reduce((a, x) => a + Number(x.split(':')[1]), 0);
      const skipOctets = whole
        .filter((x) => x.startsWith('s'))
        .reduce((a, x) => {
          const [s, e] = x.slice(1).split(':')[0]!.split('-').map(Number);
          return a + e! - s!;
        }, 0);
      assert.equal(unitOctets + skipOctets, stream.length);
    }),
    { numRuns: 300 },
  );
});

test('a unit failing its check is skipped and the search resumes inside it', () => {
  const rng = new SeededRandom(3);
  const good = unit(rng);
  const bad = unit(rng);
  bad[bad.length - 1] = (bad[bad.length - 1]! + 1) & 0xff;
  const stream = new Uint8Array([...bad, ...good]);
  const out: string[] = [];
  const r = new FramedStreamReader(framer, {
    unit: (u, o) => out.push(`u${o}`),
    skipped: (s) => out.push(`s${s.start}-${s.end}:${s.reason}`),
  });
  r.push(stream);
  r.end();
  assert.deepEqual(out, [`s0-${bad.length}:rejected`, `u${bad.length}`]);
  assert.throws(() => r.push(new Uint8Array(1)), { code: 'INVALID_STATE' });
});
