/**
 * Benchmarks of the convolutional code and Viterbi decoder (CCSDS 131.0-B-4 section 3): encoding,
 * the TypeScript and WebAssembly SIMD decoders, with libfec's viterbi27 measured in the same run
 * (bench/native/libfec_viterbi.c, compiled here; its own loop times init + update + chainback of
 * the same block and reports the median).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  convEncode,
  ConvolutionalEncoder,
  decodeViterbiBlock,
  hardToSoft,
  ViterbiDecoder,
  viterbiWasmAvailable,
} from '../src/coding/conv/index.js';
import { SeededRandom } from '../src/core/index.js';
import { bench, type BenchResult, measureCase, report, resultFrom } from './harness.js';

const LAYER = 'coding-conv';

function libfecPeers(
  soft: Uint8Array,
  infoBits: number,
): Record<'port' | 'dispatch', BenchResult | string> {
  const none = (why: string) => ({ port: why, dispatch: why });
  if (!existsSync('/usr/include/fec.h')) return none('libfec not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-libfec-'));
  try {
    const exe = join(dir, 'libfec_viterbi');
    const src = fileURLToPath(new URL('./native/libfec_viterbi.c', import.meta.url));
    const cc = spawnSync('cc', ['-O2', '-o', exe, src, '-lfec'], { encoding: 'utf8' });
    if (cc.error !== undefined || cc.status !== 0) return none('cannot compile libfec harness');
    const run = (mode: 'port' | 'dispatch'): BenchResult | string => {
      const args = ['bench', String(infoBits), '1.0', ...(mode === 'port' ? ['port'] : [])];
      const r = spawnSync(exe, args, { input: soft, encoding: 'utf8' });
      if (r.status !== 0) return `libfec harness failed: ${r.stderr}`;
      const seconds = Number(r.stdout.trim().split(/\s+/)[0]);
      const name = mode === 'port' ? 'libfec viterbi27_port' : 'libfec viterbi27';
      return resultFrom(name, seconds, { bytes: infoBits / 8 });
    };
    return { port: run('port'), dispatch: run('dispatch') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the convolutional-code benchmarks. */
export async function run(): Promise<void> {
  const rng = new SeededRandom(131);
  const infoBits = 8920 * 8; // 8 frames of 1115 octets
  const data = rng.bytes(infoBits / 8);
  const enc = convEncode(data, { tail: true });
  const soft = hardToSoft(enc.symbols, enc.symbolCount);
  const sigma = Math.sqrt(1 / (2 * 0.5 * 10 ** (3 / 10))); // Eb/N0 3 dB
  for (let i = 0; i < soft.length; i++) {
    const y = (soft[i] === 255 ? 1 : -1) + sigma * rng.normal();
    soft[i] = Math.max(0, Math.min(255, Math.round(127.5 + 63.75 * y)));
  }
  const work = { bytes: infoBits / 8 };

  const encoder = new ConvolutionalEncoder();
  await bench(LAYER, 'encode r=1/2', () => encoder.encode(data), work);
  const enc34 = new ConvolutionalEncoder({ rate: '3/4' });
  await bench(LAYER, 'encode r=3/4', () => enc34.encode(data), work);

  const peers = libfecPeers(soft, infoBits);
  for (const p of [peers.port, peers.dispatch]) {
    if (typeof p !== 'string') report(LAYER, p, work);
  }
  const peer = peers.port;

  await bench(
    LAYER,
    'viterbi TS block r=1/2 soft',
    () => decodeViterbiBlock(soft, { infoBits, engine: 'ts' }),
    work,
    peer,
  );
  const ts = new ViterbiDecoder({ engine: 'ts' });
  await bench(
    LAYER,
    'viterbi TS stream r=1/2 soft',
    () => {
      ts.push(soft);
      return ts.finish({ terminated: true });
    },
    work,
    peer,
  );
  if (viterbiWasmAvailable()) {
    await bench(
      LAYER,
      'viterbi WASM block r=1/2 soft',
      () => decodeViterbiBlock(soft, { infoBits, engine: 'wasm' }),
      work,
      peer,
    );
    const w = new ViterbiDecoder({ engine: 'wasm' });
    const wasmStream = await measureCase(
      'viterbi WASM stream r=1/2 soft',
      () => {
        w.push(soft);
        return w.finish({ terminated: true });
      },
      work,
    );
    report(LAYER, wasmStream, work, peer);
    if (typeof peers.dispatch !== 'string') report(LAYER, wasmStream, work, peers.dispatch);
  } else {
    console.log(`${LAYER} viterbi WASM: WebAssembly SIMD not available`);
  }
}
