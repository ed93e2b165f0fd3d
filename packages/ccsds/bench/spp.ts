/**
 * Space Packet benchmarks: count and split of an in-memory stream of 10^6 mixed packets (APIDs
 * 1..20, 7..200 octets), the streaming reader in 64 KiB chunks, and validation. Where python3
 * can import ccsdspy (set PYTHONPATH to a checkout if it is not installed), its split_by_apid is
 * timed on the same file in the same run and the ratio printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../src/core/index.js';
import {
  SpacePacketReader,
  countSpacePackets,
  encodeSpacePacket,
  splitSpacePacketsByApid,
  validateSpacePackets,
} from '../src/spp/index.js';
import { type BenchResult, bench, resultFrom } from './harness.js';

/** Builds `n` packets of random APIDs and sizes into one buffer. */
export function makeStream(n: number, seed = 1): Uint8Array {
  const rng = new SeededRandom(seed);
  const counts = new Uint16Array(2048);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const apid = 1 + rng.nextInt(20);
    const p = encodeSpacePacket({
      apid,
      packetSequenceCount: counts[apid]!++ % 16384,
      userData: rng.bytes(1 + rng.nextInt(194)),
    });
    parts.push(p);
    total += p.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const PY = `
import sys, time, io
import ccsdspy
from ccsdspy.utils import split_by_apid
path = sys.argv[1]
best = 1e9
for _ in range(3):
    with open(path, 'rb') as f:
        t = time.perf_counter()
        r = split_by_apid(f)
        best = min(best, time.perf_counter() - t)
print(best)
`;

function ccsdspyPeer(file: string, packets: number, bytes: number): BenchResult | string {
  const probe = spawnSync('python3', ['-c', 'import ccsdspy, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return 'ccsdspy not importable by python3 here (the Python registry is unreachable; set PYTHONPATH to a ccsdspy checkout)';
  }
  const r = spawnSync('python3', ['-c', PY, file], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `ccsdspy failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
  return resultFrom('ccsdspy split_by_apid', Number(r.stdout.trim()), { items: packets, bytes });
}

/** Runs the Space Packet benchmarks. */
export async function run(): Promise<void> {
  const n = 1_000_000;
  const stream = makeStream(n);
  const work = { items: n, itemName: 'packets', bytes: stream.length };
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-'));
  try {
    const file = join(dir, 'mixed.bin');
    writeFileSync(file, stream);
    const peer = ccsdspyPeer(file, n, stream.length);
    await bench('spp', 'count 10^6 mixed packets', () => countSpacePackets(stream), work);
    await bench(
      'spp',
      'split 10^6 mixed packets by APID',
      () => splitSpacePacketsByApid(stream),
      work,
      peer,
    );
    await bench(
      'spp',
      'stream reader, 64 KiB chunks, header decoded per packet',
      () => {
        let k = 0;
        const r = new SpacePacketReader(() => k++);
        for (let o = 0; o < stream.length; o += 65536) r.push(stream.subarray(o, o + 65536));
        r.end();
        return k;
      },
      work,
    );
    await bench(
      'spp',
      'validate (gaps, duplicates) 10^6 packets',
      () => validateSpacePackets(stream),
      work,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
