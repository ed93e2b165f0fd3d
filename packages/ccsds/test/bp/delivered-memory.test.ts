import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from 'ccsds/core';
import { type Bundle, CrcType, bundleKey, createBundle, parseEid } from 'ccsds/bp';
import { DeliveredMemory } from '../../src/bp/delivered-memory.js';

/** A pool of distinct identities: ipn with and without allocator, dtn sources, fragments. */
function identities(rnd: SeededRandom, n: number): Bundle[] {
  const out: Bundle[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    const kind = rnd.nextInt(4);
    const source =
      kind === 0
        ? parseEid(`ipn:${rnd.nextInt(3)}.${rnd.nextInt(3)}`)
        : kind === 1
          ? parseEid(`ipn:${rnd.nextInt(2)}.${rnd.nextInt(3)}.${rnd.nextInt(3)}`)
          : kind === 2
            ? parseEid(`dtn://n${rnd.nextInt(3)}/s`)
            : parseEid(`ipn:${2 ** 40 + rnd.nextInt(2)}.1`);
    const b = createBundle({
      destination: parseEid('ipn:9.1'),
      source,
      payload: new Uint8Array(1 + rnd.nextInt(3)),
      creationTime: rnd.chance(0.5) ? rnd.nextInt(4) : 2 ** 33 + rnd.nextInt(4),
      sequenceNumber: rnd.nextInt(5),
      crcType: CrcType.NONE,
    });
    if (rnd.chance(0.3)) {
      b.primary.flags |= 1;
      b.primary.fragmentOffset = rnd.nextInt(3);
      b.primary.totalAduLength = 10;
    }
    const k = bundleKey(b);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(b);
  }
  return out;
}

test('DeliveredMemory agrees with a map of bundle keys kept oldest-first, under random adds and lookups', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const rnd = new SeededRandom(seed);
    const capacity = [1, 2, 7, 100, 300, 700][seed - 1]!;
    const pool = identities(rnd, 600);
    const memory = new DeliveredMemory(capacity);
    const model = new Map<string, number>(); // key -> until, in insertion order
    for (let op = 0; op < 6000; op++) {
      const b = pool[rnd.nextInt(pool.length)]!;
      const k = bundleKey(b);
      if (rnd.chance(0.5)) {
        const until = rnd.nextInt(1000);
        memory.add(b, until);
        if (model.has(k)) model.set(k, until);
        else {
          if (model.size === capacity) model.delete(model.keys().next().value!);
          model.set(k, until);
        }
      } else {
        const now = rnd.nextInt(1000);
        assert.equal(memory.has(b, now), (model.get(k) ?? -1) > now, `seed ${seed} op ${op} ${k}`);
      }
      assert.equal(memory.size, model.size);
    }
    // Everything the model holds is found, and nothing else.
    for (const b of pool) assert.equal(memory.has(b, -1), model.has(bundleKey(b)));
  }
});
