/**
 * Benchmarks of the concatenated TM chain (CCSDS 131.0-B-4): encoding Transfer Frames into
 * channel symbols, and the full streaming receive chain (alignment, Viterbi, frame sync,
 * derandomiser, RS decoding). Throughput counts Transfer Frame octets. No peer runs the whole
 * chain here; `npm run bench -- coding-conv` and `coding-rs` compare the stages with libfec.
 */
import {
  decodeTmChain,
  encodeTmChain,
  TmChainEncoder,
  type TmChainOptions,
} from '../src/coding/index.js';
import { SeededRandom } from '../src/core/index.js';
import { bench } from './harness.js';

const LAYER = 'coding-chain';
const NO_PEER = 'none measured for the whole chain';

function awgn(soft: Uint8Array, ebn0: number, rate: number, rng: SeededRandom): Uint8Array {
  const sigma = Math.sqrt(1 / (2 * rate * 10 ** (ebn0 / 10)));
  const out = new Uint8Array(soft.length);
  for (let i = 0; i < soft.length; i++) {
    const y = (soft[i]! >= 128 ? 1 : -1) + sigma * rng.normal();
    out[i] = Math.max(0, Math.min(255, Math.round(127.5 + 64 * y)));
  }
  return out;
}

/** Runs the chain benchmarks. */
export async function run(): Promise<void> {
  const rng = new SeededRandom(131);
  const n = 16;
  const frames = Array.from({ length: n }, () => rng.bytes(1115));
  const work = { items: n, itemName: 'frames', bytes: n * 1115 };
  const r12: TmChainOptions = { frameLength: 1115, rs: { interleave: 5 }, conv: '1/2' };

  const enc = new TmChainEncoder({ ...r12, output: 'bits' });
  await bench(
    LAYER,
    'encode RS I=5 + r=1/2, packed bits',
    () => {
      for (const f of frames) enc.encode(f);
      return enc.finish();
    },
    work,
    NO_PEER,
  );
  const encSoft = new TmChainEncoder({ ...r12, output: 'soft8' });
  await bench(
    LAYER,
    'encode RS I=5 + r=1/2, soft8',
    () => {
      for (const f of frames) encSoft.encode(f);
      return encSoft.finish();
    },
    work,
    NO_PEER,
  );

  const clean = encodeTmChain(frames, { ...r12, output: 'soft8' });
  const noisy = awgn(clean, 4, 0.5, rng);
  const check = decodeTmChain(noisy, { ...r12, input: 'soft8' });
  if (check.stats.ok !== n)
    throw new Error(`bench setup: ${check.stats.ok} of ${n} frames decoded`);
  await bench(
    LAYER,
    'decode soft r=1/2 + RS I=5, 4 dB',
    () => decodeTmChain(noisy, { ...r12, input: 'soft8' }),
    work,
    NO_PEER,
  );
  await bench(
    LAYER,
    'decode soft r=1/2 + RS I=5, noiseless',
    () => decodeTmChain(clean, { ...r12, input: 'soft8' }),
    work,
    NO_PEER,
  );
  const r78: TmChainOptions = { ...r12, conv: '7/8' };
  const noisy78 = awgn(encodeTmChain(frames, { ...r78, output: 'soft8' }), 6, 7 / 8, rng);
  await bench(
    LAYER,
    'decode soft r=7/8 + RS I=5, 6 dB',
    () => decodeTmChain(noisy78, { ...r78, input: 'soft8' }),
    work,
    NO_PEER,
  );
  const rsOnly: TmChainOptions = { frameLength: 1115, rs: { interleave: 5 } };
  const bytes = encodeTmChain(frames, rsOnly);
  await bench(
    LAYER,
    'decode bytes RS I=5 (no conv)',
    () => decodeTmChain(bytes, { ...rsOnly, input: 'bytes' }),
    work,
    NO_PEER,
  );
}
