import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RangeSet, coarsenRanges } from 'ccsds/cfdp';
import fc from 'fast-check';

test('RangeSet agrees with a bitmap model', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(200), fc.nat(40)), { maxLength: 60 }), (adds) => {
      const r = new RangeSet();
      const bits = new Uint8Array(260);
      for (const [s, n] of adds) {
        let fresh = 0;
        for (let i = s; i < s + n; i++) if (!bits[i]) fresh++;
        assert.equal(r.add(s, s + n), fresh);
        bits.fill(1, s, s + n);
      }
      assert.equal(
        r.covered,
        bits.reduce((a, b) => a + b, 0),
      );
      const gaps = r.gaps(0, 260);
      const model: [number, number][] = [];
      for (let i = 0; i < 260; i++) {
        if (bits[i]) continue;
        if (model.length > 0 && model[model.length - 1]![1] === i)
          model[model.length - 1]![1] = i + 1;
        else model.push([i, i + 1]);
      }
      assert.deepEqual(gaps, model);
      for (let k = 0; k < 20; k++) {
        const s = (k * 13) % 250;
        const e = s + (k % 7);
        assert.equal(
          r.contains(s, e),
          bits.subarray(s, e).every((b) => b === 1),
        );
      }
      const arr = r.toArray();
      for (let i = 1; i < arr.length; i++)
        assert.ok(arr[i]![0] > arr[i - 1]![1], 'merged and sorted');
    }),
  );
});

test('gaps honour a limit and a window', () => {
  const r = RangeSet.from([
    [10, 20],
    [30, 40],
    [50, 60],
  ]);
  assert.deepEqual(r.gaps(0, 100, 2), [
    [0, 10],
    [20, 30],
  ]);
  assert.deepEqual(r.gaps(15, 55), [
    [20, 30],
    [40, 50],
  ]);
  assert.deepEqual(new RangeSet().gaps(0, 0), []);
});

test('coarsenRanges bounds the count, keeps the cover, joins only gaps', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(50), fc.integer({ min: 1, max: 20 })), { maxLength: 80 }),
      fc.integer({ min: 1, max: 30 }),
      (parts, max) => {
        // Sorted, disjoint input built from positive gaps and lengths.
        const input: [number, number][] = [];
        let at = 0;
        for (const [gap, len] of parts) {
          const s = at + gap + (input.length > 0 ? 1 : 0);
          input.push([s, s + len]);
          at = s + len;
        }
        const out = coarsenRanges(input, max);
        assert.equal(out.length, Math.min(input.length, max));
        if (input.length <= max) assert.deepEqual(out, input);
        for (let i = 1; i < out.length; i++) assert.ok(out[i]![0] > out[i - 1]![1]);
        // Every input range is inside an output range; every output range starts and ends at
        // input boundaries (so only the gaps between input ranges were added).
        for (const [a, b] of input) assert.ok(out.some(([x, y]) => x <= a && b <= y));
        for (const [x, y] of out) {
          assert.ok(input.some(([a]) => a === x));
          assert.ok(input.some(([, b]) => b === y));
        }
      },
    ),
  );
  // The smallest gaps go first.
  assert.deepEqual(
    coarsenRanges(
      [
        [0, 1],
        [2, 3],
        [10, 11],
        [12, 13],
      ],
      2,
    ),
    [
      [0, 3],
      [10, 13],
    ],
  );
  // A flood of tiny ranges over a large file stays at the bound.
  const flood: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i * 10, i * 10 + 1]);
  assert.equal(coarsenRanges(flood, 4096).length, 4096);
});
