/**
 * Benchmarks of the mission layer's physical channel: soft and hard symbols through the AWGN
 * BPSK model of `PhysicalChannel` (virtual time, one delivery timer per 64 Ki symbols), against
 * the obvious way of doing the same, a Box-Muller Gaussian deviate per symbol (SeededRandom's
 * `normal()`, as the coding-chain benchmark adds its noise), measured in the same run.
 */
import { SeededRandom, SimulatedClock } from '../src/core/index.js';
import {
  LEO_SCENARIO,
  Mission,
  PhysicalChannel,
  type PhysicalChannelOptions,
} from '../src/mission/index.js';
import { bench, measureCase, report, resultFrom } from './harness.js';

const LAYER = 'mission';
const SYMBOLS = 1 << 20;

/** Soft symbols by Box-Muller: the baseline the channel's alias-table sampler is compared with. */
function boxMuller(bits: Uint8Array, ebN0Db: number, rng: SeededRandom): Uint8Array {
  const sigma = Math.sqrt(1 / (2 * 10 ** (ebN0Db / 10)));
  const out = new Uint8Array(bits.length * 8);
  for (let k = 0; k < out.length; k++) {
    const s = (bits[k >> 3]! >> (7 - (k & 7))) & 1 ? 1 : -1;
    const y = 127.5 + 64 * (s + sigma * rng.normal());
    out[k] = y < 0 ? 0 : y > 255 ? 255 : Math.round(y);
  }
  return out;
}

/** Runs the channel benchmarks. */
export async function run(): Promise<void> {
  const data = new SeededRandom(5).bytes(SYMBOLS / 8);
  const work = { items: SYMBOLS, itemName: 'symbols' };
  const rng = new SeededRandom(6);
  const peer = await measureCase('Box-Muller per symbol', () => boxMuller(data, 4, rng), work);

  const through = (options: Omit<PhysicalChannelOptions, 'lightTimeMs' | 'symbolRate'>) => {
    const clock = new SimulatedClock();
    let n = 0;
    const ch = new PhysicalChannel(
      clock,
      { lightTimeMs: 1000, symbolRate: 1e9, maxQueuedSymbols: 1 << 26, ...options },
      (_s, count) => {
        n += count;
      },
    );
    return () => {
      ch.transmit(data);
      clock.runUntilIdle();
      return n;
    };
  };
  await bench(LAYER, 'AWGN 4 dB, soft output', through({ ebN0Db: 4, output: 'soft' }), work, peer);
  await bench(
    LAYER,
    'AWGN 4 dB + bursts, soft output',
    through({
      ebN0Db: 4,
      output: 'soft',
      bursts: { meanGapMs: 0.2, meanDurationMs: 0.02, ebN0Db: -Infinity },
    }),
    work,
    peer,
  );
  await bench(
    LAYER,
    'AWGN 4 dB, hard output',
    through({ ebN0Db: 4, output: 'hard' }),
    { items: SYMBOLS, itemName: 'symbols' },
    'none (hard flips are drawn with geometric gaps)',
  );

  // The whole stack at once: the LEO scenario (CFDP both ways, COP-1, TM coding chain, channel
  // noise, housekeeping decoding), timed end to end in one run.
  const started = performance.now();
  const r = await new Mission(structuredClone(LEO_SCENARIO)).run();
  const seconds = (performance.now() - started) / 1000;
  if (!r.ok) throw new Error('the LEO scenario failed in the benchmark');
  const fileBytes = LEO_SCENARIO.transfers.reduce((n, t) => n + t.size, 0);
  const whole = { bytes: fileBytes, items: r.virtualTimeS, itemName: 'mission seconds' };
  report(
    LAYER,
    resultFrom('LEO scenario end to end (file octets through every layer)', seconds, whole),
    whole,
    `none (${r.virtualTimeS.toFixed(0)} s of mission time in ${seconds.toFixed(1)} s: ${(r.virtualTimeS / seconds).toFixed(0)}x real time)`,
  );
}
