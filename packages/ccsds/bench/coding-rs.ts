/**
 * Benchmarks of `ccsds/coding` (the half built on 131.0/231.0 block coding): Reed-Solomon with
 * libfec measured in the same run as the peer (through `native/libfec_rs.c`, compiled here with
 * `cc -O2 ... -lfec`; the C harness times its own loop), the randomisers, BCH/CLTU and frame
 * synchronisation. Throughput counts codeblock bits for RS, input bits elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CltuDecoder,
  FrameSynchronizer,
  ReedSolomon,
  attachSyncMarker,
  encodeCltu,
  randomizeTcInPlace,
  randomizeTmInPlace,
} from '../src/coding/index.js';
import { SeededRandom } from '../src/core/index.js';
import { type BenchResult, bench, resultFrom } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
let harness: { path: string } | { skip: string } | undefined;

/**
 * Compiles the libfec harness once per process into a temporary folder. Returns its path, or
 * why it cannot run (no C compiler, no libfec headers or library).
 */
export function buildLibfecHarness(): { path: string } | { skip: string } {
  if (harness !== undefined) return harness;
  const probe = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    harness = { skip: 'no C compiler (cc) found' };
    return harness;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-libfec-'));
  const out = join(dir, 'libfec_rs');
  const r = spawnSync('cc', ['-O2', '-o', out, join(here, 'native', 'libfec_rs.c'), '-lfec'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    harness = {
      skip: /fec\.h|-lfec|cannot find/.test(r.stderr)
        ? 'libfec not installed (scripts/install-system-deps.sh installs it)'
        : `libfec harness did not build: ${r.stderr.trim().split('\n')[0] ?? ''}`,
    };
    return harness;
  }
  harness = { path: out };
  return harness;
}

/** Runs the harness's own timing loop; seconds per iteration of `blocks` codeblocks. */
function libfecSeconds(path: string, op: string, E: number, blocks: number): number | string {
  const r = spawnSync(path, ['bench', op, String(E), String(blocks), '0.5'], { encoding: 'utf8' });
  if (r.status !== 0) return `libfec harness failed: ${r.stderr.trim()}`;
  const s = Number(r.stdout.trim().split(/\s+/)[0]);
  return Number.isFinite(s) && s > 0 ? s : `unexpected harness output ${r.stdout.trim()}`;
}

const LAYER = 'coding';

async function rsCases(E: 8 | 16): Promise<void> {
  const blocks = 64;
  const rs = new ReedSolomon({ E });
  const rng = new SeededRandom(E);
  const clean = new Uint8Array(blocks * 255);
  for (let b = 0; b < blocks; b++) {
    clean.set(rng.bytes(rs.dataLength), b * 255);
    rs.encodeParity(clean, b * 255);
  }
  const rx = clean.slice();
  for (let b = 0; b < blocks; b++) {
    const hit = new Set<number>();
    while (hit.size < E) hit.add(rng.nextInt(255));
    for (const p of hit) rx[b * 255 + p] = rx[b * 255 + p]! ^ (1 + rng.nextInt(255));
  }
  const work = clean.slice();
  const w = { bytes: clean.length };
  const h = buildLibfecHarness();
  const peer = (op: string): BenchResult | string => {
    if ('skip' in h) return h.skip;
    const s = libfecSeconds(h.path, op, E, blocks);
    return typeof s === 'string' ? s : resultFrom('libfec', s, w);
  };
  const name = `rs(255,${255 - 2 * E})`;
  await bench(
    LAYER,
    `${name} encode`,
    () => {
      for (let b = 0; b < blocks; b++) rs.encodeParity(work, b * 255);
    },
    w,
    peer('encode'),
  );
  await bench(
    LAYER,
    `${name} decode, no errors`,
    () => {
      work.set(clean);
      for (let b = 0; b < blocks; b++) rs.decodeInPlace(work, b * 255);
    },
    w,
    peer('decode-clean'),
  );
  await bench(
    LAYER,
    `${name} decode, ${E} errors/codeword`,
    () => {
      work.set(rx);
      for (let b = 0; b < blocks; b++) rs.decodeInPlace(work, b * 255);
    },
    w,
    peer('decode-errors'),
  );
}

/** Runs the coding benchmarks (RS with the libfec peer, randomisers, BCH/CLTU, frame sync). */
export async function run(): Promise<void> {
  await rsCases(16);
  await rsCases(8);

  const rng = new SeededRandom(77);
  // Interleaved RS (libfec has no interleaver).
  const rs5 = new ReedSolomon({ E: 16, interleave: 5 });
  const block5 = rs5.encode(rng.bytes(rs5.dataLength));
  const rx5 = block5.slice();
  for (let c = 0; c < 5; c++) {
    for (let e = 0; e < 16; e++) {
      const at = (rng.nextInt(15) + 16 * e) * 5 + c; // one error in each 16-symbol stretch
      rx5[at] = rx5[at]! ^ (1 + rng.nextInt(255));
    }
  }
  const work5 = new Uint8Array(rx5.length);
  await bench(LAYER, 'rs(255,223) I=5 encode', () => rs5.encodeParity(work5), {
    bytes: block5.length,
  });
  await bench(
    LAYER,
    'rs(255,223) I=5 decode, 16 errors/codeword',
    () => {
      work5.set(rx5);
      rs5.decodeInPlace(work5);
    },
    { bytes: block5.length },
  );

  const mib = rng.bytes(1 << 20);
  await bench(LAYER, 'TM randomizer 1 MiB', () => randomizeTmInPlace(mib), { bytes: mib.length });
  await bench(LAYER, 'TC randomizer 1 MiB', () => randomizeTcInPlace(mib), { bytes: mib.length });

  const frames = Array.from({ length: 64 }, () => rng.bytes(1024));
  const cltuWork = { bytes: 64 * 1024, items: 64, itemName: 'CLTUs' };
  await bench(
    LAYER,
    'CLTU encode 1024-octet frames',
    () => frames.map((f) => encodeCltu(f)),
    cltuWork,
  );
  const cltuStream = new Uint8Array(frames.reduce((n) => n + 2 + 147 * 8 + 8, 0));
  let o = 0;
  for (const f of frames) {
    const c = encodeCltu(f);
    cltuStream.set(c, o);
    o += c.length;
  }
  await bench(
    LAYER,
    'CLTU decode 1024-octet frames',
    () => {
      const d = new CltuDecoder();
      if (d.push(cltuStream).length !== 64) throw new Error('CLTU bench lost frames');
    },
    cltuWork,
  );

  const tmFrames = Array.from({ length: 100 }, () => rng.bytes(1115));
  const syncStream = attachSyncMarker(tmFrames);
  // Shift by 3 bits so that nothing is octet aligned.
  const shifted = new Uint8Array(syncStream.length + 1);
  for (let i = 0; i < syncStream.length; i++) {
    shifted[i] = shifted[i]! | (syncStream[i]! >> 3);
    shifted[i + 1] = (syncStream[i]! << 5) & 0xff;
  }
  await bench(
    LAYER,
    'frame sync, locked, unaligned 1115-octet frames',
    () => {
      const fs = new FrameSynchronizer({ frameLength: 1115 });
      if (fs.push(shifted).length !== 100) throw new Error('sync bench lost frames');
    },
    { bytes: shifted.length },
  );
  const noise = rng.bytes(1 << 18);
  await bench(
    LAYER,
    'frame sync, searching noise, 2 marker errors',
    () => new FrameSynchronizer({ frameLength: 1115, searchErrors: 2 }).push(noise),
    { bytes: noise.length },
  );
  const softStream = new Uint8Array((shifted.length * 8) / 4);
  for (let i = 0; i < softStream.length; i++) {
    softStream[i] = (shifted[i >> 3]! >> (7 - (i & 7))) & 1 ? 200 : 55;
  }
  await bench(
    LAYER,
    'frame sync, soft symbols (bits/s)',
    () => new FrameSynchronizer({ frameLength: 1115, soft: true }).push(softStream),
    { bytes: softStream.length / 8 },
  );
}
