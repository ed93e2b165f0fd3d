/**
 * CFDP concurrency benchmark: 1,000 Class 2 transactions at once between two entities in this
 * process, real clock, real folders in a temporary directory, over a link that loses 10% of the
 * PDUs in each direction (seeded) and hands each one over in its own macrotask, as a socket
 * would. Every transfer must complete byte-identical (checked by SHA-256); the line printed gives
 * the peak RSS of the process (target at most 512 MiB) and the p99 event-loop delay measured with
 * `perf_hooks.monitorEventLoopDelay` (target under 50 ms).
 *
 * File sizes run from 1 KiB to 10 MiB: size = 1 KiB x 10240^(u^3) for u spread evenly over
 * [0, 1] (the first file 1 KiB, the last 10 MiB): log-uniform would total about 1.1 GB for 1,000
 * files, this skew about 395 MiB. `CCSDS_BENCH_CFDP_CONC_N` sets the count (default 1000),
 * `CCSDS_BENCH_CFDP_CONC_LOSS` the loss (default 0.1).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { RealClock, SeededRandom, TypedEmitter } from 'ccsds/core';
import { CfdpEntity, type Mib, simpleMib } from 'ccsds/cfdp';
import { NativeFileStore } from 'ccsds/filestore/node';
import type { Transport, TransportEvents } from 'ccsds/transport';

const REMOTE = {
  ackTimerMs: 3000,
  nakTimerMs: 3000,
  ackLimit: 100,
  nakLimit: 100,
  inactivityTimerMs: 600_000,
  keepAliveIntervalMs: 0,
  maxIncomingTransactions: 10_000,
  maxNewTransactionsPerSecond: 1_000_000,
  maxFileSegmentLength: 8192,
  maxRetransmissionFactor: 0,
};

function mib(self: number, peer: number): Mib {
  const m = simpleMib(self, [{ entityId: peer, address: `link://e${peer}`, ...REMOTE }]);
  m.local.maxTransactions = 10_000;
  return m;
}

/**
 * Two endpoints joined by a lossy link: each PDU is delivered (or lost) in a macrotask of its
 * own, and `send` resolves in the next one, so a sender cannot monopolise the event loop.
 */
function lossyLink(loss: number, seed: number): [Transport, Transport] {
  const rng = new SeededRandom(seed);
  const ends: Transport[] = [];
  const make = (name: string, other: () => Transport): Transport => ({
    address: `link://${name}`,
    maxMessageLength: 65_536,
    events: new TypedEmitter<TransportEvents>(),
    send(_to: string, data: Uint8Array): Promise<void> {
      const lost = rng.next() < loss;
      const copy = lost ? undefined : data.slice();
      return new Promise((resolve) =>
        setImmediate(() => {
          if (copy !== undefined) other().events.emit('message', copy, `link://${name}`);
          resolve();
        }),
      );
    },
    close: () => Promise.resolve(),
  });
  ends.push(make('e1', () => ends[1]!));
  ends.push(make('e2', () => ends[0]!));
  return [ends[0]!, ends[1]!];
}

/**
 * The event-loop delay p99 of a process doing nothing but 1 ms tasks for `ms`: what the machine
 * itself (other processes on shared cores) adds, measured in the same run for comparison.
 */
async function baselineDelayP99(ms: number): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const end = Date.now() + ms;
  await new Promise<void>((resolve) => {
    const spin = (): void => {
      const t = performance.now();
      while (performance.now() - t < 1);
      if (Date.now() < end) setImmediate(spin);
      else resolve();
    };
    spin();
  });
  h.disable();
  return h.percentile(99) / 1e6;
}

function sizes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const u = n === 1 ? 1 : i / (n - 1);
    return Math.round(1024 * Math.pow(10240, u * u * u));
  });
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Runs the concurrency benchmark in a child process of its own, so that its peak RSS is its
 * own and not that of the benchmarks run before it in `npm run bench`.
 */
export async function run(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', fileURLToPath(import.meta.url), '--child'],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`cfdp-concurrency exited with ${code}`)),
    );
  });
}

async function measure(): Promise<void> {
  const n = Number(process.env['CCSDS_BENCH_CFDP_CONC_N'] ?? '1000');
  const loss = Number(process.env['CCSDS_BENCH_CFDP_CONC_LOSS'] ?? '0.1');
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-conc-'));
  try {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const list = sizes(n);
    const digests: string[] = [];
    const rng = new SeededRandom(7);
    const block = rng.bytes(1 << 20);
    for (let i = 0; i < n; i++) {
      const size = list[i]!;
      const data = new Uint8Array(size);
      for (let o = 0; o < size; o += block.length) data.set(block.subarray(0, size - o), o);
      data[0] = i & 0xff;
      data[size - 1] = (i >> 8) & 0xff;
      writeFileSync(join(dir, 'a', `f${i}.bin`), data);
      digests.push(sha(data));
    }
    const total = list.reduce((s, x) => s + x, 0);
    const baseline = await baselineDelayP99(3000);
    const [l1, l2] = lossyLink(loss, 11);
    const clock = new RealClock();
    const a = new CfdpEntity({
      mib: mib(1, 2),
      transport: l1,
      filestore: await NativeFileStore.open(join(dir, 'a')),
      clock,
    });
    const b = new CfdpEntity({
      mib: mib(2, 1),
      transport: l2,
      filestore: await NativeFileStore.open(join(dir, 'b')),
      clock,
    });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = performance.now();
    const elu0 = performance.eventLoopUtilization();
    const done: Promise<number>[] = [];
    for (let i = 0; i < n; i++) {
      const id = await a.put({
        destinationEntityId: 2,
        sourceFileName: `f${i}.bin`,
        destinationFileName: `g${i}.bin`,
      });
      done.push(a.waitFor(id).then((r) => r.conditionCode));
    }
    const codes = await Promise.all(done);
    const seconds = (performance.now() - t0) / 1000;
    const busy = performance.eventLoopUtilization(elu0).utilization;
    delay.disable();
    clearInterval(sampler);
    const sampledMiB = peakRss / 1048576;
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
    // Let the receivers see their ACK(Finished), then check every file.
    for (let k = 0; k < 200 && b.list().length > 0; k++)
      await new Promise((r) => setTimeout(r, 50));
    let good = 0;
    for (let i = 0; i < n; i++) {
      if (codes[i] !== 0) continue;
      if (sha(readFileSync(join(dir, 'b', `g${i}.bin`))) === digests[i]) good++;
    }
    await a.close(0);
    await b.close(0);
    const p99 = delay.percentile(99) / 1e6;
    const rssMiB = peakRss / 1048576;
    console.log(
      `cfdp-concurrency ${n} concurrent Class 2 transactions, 1 KiB..10 MiB (${(total / 1048576).toFixed(0)} MiB), ` +
        `${(loss * 100).toFixed(0)}% loss each way: ${good}/${n} complete byte-identical in ${seconds.toFixed(1)} s ` +
        `(${((total * 8) / seconds / 1e6).toFixed(0)} Mbit/s); peak RSS ${rssMiB.toFixed(0)} MiB (limit 512; ` +
        `${sampledMiB.toFixed(0)} MiB sampled during the transfers), ` +
        `event-loop delay p99 ${p99.toFixed(1)} ms (limit 50), max ${(delay.max / 1e6).toFixed(0)} ms ` +
        `(the same machine's baseline p99 with 1 ms tasks only: ${baseline.toFixed(1)} ms; ` +
        `event loop busy ${(busy * 100).toFixed(0)}% of the run)` +
        ` ${good === n && rssMiB <= 512 && p99 < 50 ? 'ok' : 'FAILED'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--child')) await measure();
  else await run();
}
