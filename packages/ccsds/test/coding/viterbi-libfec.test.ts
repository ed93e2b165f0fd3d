/**
 * Cross-check against libfec's viterbi27 (bench/native/libfec_viterbi.c, compiled here with
 * `cc -O2 ... -lfec`): random noisy terminated blocks must decode to exactly the same bits.
 * Skipped, with the reason printed, when cc or libfec's fec.h is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convEncode, decodeViterbiBlock, hardToSoft, viterbiWasmAvailable } from 'ccsds/coding';
import { SeededRandom } from 'ccsds/core';

const source = fileURLToPath(new URL('../../bench/native/libfec_viterbi.c', import.meta.url));

function build(): { exe: string; dir: string } | string {
  if (!existsSync('/usr/include/fec.h')) return 'libfec (fec.h) is not installed';
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-libfec-'));
  const exe = join(dir, 'libfec_viterbi');
  const r = spawnSync('cc', ['-O2', '-o', exe, source, '-lfec'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot compile the libfec harness: ${r.error?.message ?? r.stderr}`;
  }
  return { exe, dir };
}

const built = build();
if (typeof built === 'string') console.log(`# libfec cross-check skipped: ${built}`);

test(
  'libfec viterbi27 and this decoder agree on random noisy blocks',
  { skip: typeof built === 'string' },
  (t) => {
    if (typeof built === 'string') return;
    t.after(() => rmSync(built.dir, { recursive: true, force: true }));
    const rng = new SeededRandom(2024);
    const engines = viterbiWasmAvailable() ? (['ts', 'wasm'] as const) : (['ts'] as const);
    let compared = 0;
    for (const infoBits of [64, 1000, 4096]) {
      for (const plain of [false, true]) {
        const blocks = 12;
        const softs: Uint8Array[] = [];
        for (let b = 0; b < blocks; b++) {
          const data = rng.bytes(infoBits / 8);
          const enc = convEncode(data, { tail: true, invertG2: !plain });
          const soft = hardToSoft(enc.symbols, enc.symbolCount);
          const ebn0 = 1.5 + (b % 6) * 0.5;
          const sigma = Math.sqrt(1 / (2 * 0.5 * 10 ** (ebn0 / 10)));
          for (let i = 0; i < soft.length; i++) {
            const y = (soft[i] === 255 ? 1 : -1) + sigma * rng.normal();
            soft[i] = Math.max(0, Math.min(255, Math.round(127.5 + 63.75 * y)));
          }
          // Some erasures as a punctured stream would have.
          if (plain) for (let i = 3; i < soft.length; i += 4) soft[i] = 128;
          softs.push(soft);
        }
        const input = Buffer.concat(softs);
        const args = ['decode', String(infoBits), String(blocks), ...(plain ? ['plain'] : [])];
        const r: SpawnSyncReturns<Buffer> = spawnSync(built.exe, args, {
          input,
          maxBuffer: 1 << 24,
        });
        assert.equal(r.status, 0, String(r.stderr));
        const outLen = infoBits / 8;
        assert.equal(r.stdout.length, blocks * outLen);
        for (let b = 0; b < blocks; b++) {
          const ref = new Uint8Array(r.stdout.subarray(b * outLen, (b + 1) * outLen));
          for (const engine of engines) {
            // startPenalty 63 = libfec's init_viterbi27 bias: then every block agrees exactly.
            const opts = { infoBits, invertG2: !plain, engine, startPenalty: 63 };
            const ours = decodeViterbiBlock(softs[b]!, opts);
            assert.deepEqual(ours, ref, `block ${b}, ${infoBits} bits, plain ${plain}, ${engine}`);
            compared++;
          }
        }
      }
    }
    assert.ok(compared >= 72);
  },
);
