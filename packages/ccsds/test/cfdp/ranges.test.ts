import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RangeSet } from 'ccsds/cfdp';
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
