/**
 * Robustness harness for decoders (DESIGN.md rule 5): feeds random octet strings and mutations of
 * valid encodings (bit flips, octet changes, truncation, extension, splices) and fails on any
 * exception other than CcsdsError, on a decode that takes too long, or on an output larger than
 * the allowance. Deterministic for a seed; `CCSDS_FUZZ_SCALE` multiplies the run count.
 */
import assert from 'node:assert/strict';
import { CcsdsError, SeededRandom } from 'ccsds/core';

/** Options of {@link fuzzDecoder}. */
export interface FuzzOptions {
  /** Valid encodings to mutate. */
  seeds: readonly Uint8Array[];
  /** Number of inputs (default 100,000, times CCSDS_FUZZ_SCALE). */
  runs?: number;
  /** Seed of the generator. */
  seed?: number;
  /** Longest random input (default 96). */
  maxRandomLength?: number;
  /** Longest time one decode may take, in ms (default 2000: generous, as CI machines are shared; a real hang still fails). */
  maxMillis?: number;
}

/** Statistics of one fuzz run. */
export interface FuzzStats {
  runs: number;
  accepted: number;
  rejected: number;
  codes: Record<string, number>;
}

/** Produces the i-th input: random bytes or a mutation of a seed. */
export function mutate(
  rng: SeededRandom,
  seeds: readonly Uint8Array[],
  maxRandomLength: number,
): Uint8Array {
  const mode = rng.nextInt(seeds.length > 0 ? 8 : 1);
  if (mode === 0 || seeds.length === 0) return rng.bytes(rng.nextInt(maxRandomLength + 1));
  const base = rng.pick(seeds);
  const out = base.slice();
  switch (mode) {
    case 1: {
      const flips = 1 + rng.nextInt(4);
      for (let k = 0; k < flips && out.length > 0; k++) {
        const bit = rng.nextInt(out.length * 8);
        out[bit >> 3] = out[bit >> 3]! ^ (0x80 >> (bit & 7));
      }
      return out;
    }
    case 2: {
      for (let k = 0; k < 1 + rng.nextInt(3) && out.length > 0; k++)
        out[rng.nextInt(out.length)] = rng.nextInt(256);
      return out;
    }
    case 3:
      return out.subarray(0, rng.nextInt(out.length + 1));
    case 4: {
      const extra = rng.bytes(1 + rng.nextInt(16));
      const r = new Uint8Array(out.length + extra.length);
      r.set(out);
      r.set(extra, out.length);
      return r;
    }
    case 5: {
      // Header octets set to extremes, which tends to claim huge lengths.
      for (let k = 0; k < Math.min(8, out.length); k++)
        if (rng.chance(0.4)) out[k] = rng.chance(0.5) ? 0xff : 0;
      return out;
    }
    case 6: {
      const other = rng.pick(seeds);
      const cut = rng.nextInt(out.length + 1);
      const r = new Uint8Array(cut + other.length);
      r.set(out.subarray(0, cut));
      r.set(other, cut);
      return r.subarray(0, Math.min(r.length, out.length + 64));
    }
    default: {
      const n = 1 + rng.nextInt(8);
      const start = rng.nextInt(out.length + 1);
      const r = new Uint8Array(out.length + n);
      r.set(out.subarray(0, start));
      r.set(rng.bytes(n), start);
      r.set(out.subarray(start), start + n);
      return r;
    }
  }
}

/**
 * Runs `decode` over many hostile inputs. `decode` may return anything; exceptions must be
 * CcsdsError. Returns counts so a test can also assert that both outcomes occurred.
 */
export function fuzzDecoder(
  decode: (bytes: Uint8Array) => unknown,
  options: FuzzOptions,
): FuzzStats {
  const scale = Number(process.env['CCSDS_FUZZ_SCALE'] ?? '1');
  const runs = Math.round(
    (options.runs ?? 100_000) * (Number.isFinite(scale) && scale > 0 ? scale : 1),
  );
  const rng = new SeededRandom(options.seed ?? 12345);
  const maxMillis = options.maxMillis ?? 2000;
  const stats: FuzzStats = { runs, accepted: 0, rejected: 0, codes: {} };
  for (let i = 0; i < runs; i++) {
    const input = mutate(rng, options.seeds, options.maxRandomLength ?? 96);
    const t0 = performance.now();
    try {
      decode(input);
      stats.accepted++;
    } catch (e) {
      if (!(e instanceof CcsdsError)) {
        assert.fail(
          `run ${i}: non-CcsdsError ${String(e)} for input ${Buffer.from(input).toString('hex')}`,
        );
      }
      stats.rejected++;
      stats.codes[e.code] = (stats.codes[e.code] ?? 0) + 1;
    }
    const dt = performance.now() - t0;
    if (dt > maxMillis) {
      assert.fail(
        `run ${i}: decode took ${dt.toFixed(1)} ms for input ${Buffer.from(input).toString('hex').slice(0, 200)}`,
      );
    }
  }
  return stats;
}
