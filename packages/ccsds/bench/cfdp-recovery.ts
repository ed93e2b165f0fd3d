/**
 * CFDP recovery benchmark: 1,000 unfinished Class 2 transactions journaled in real state folders
 * (a sender whose EOFs are never acknowledged, and a receiver missing segments of every file),
 * then the time for a restarted entity to open the journal (reading, checking and compacting it)
 * and `recover()` every transaction — for the sending and for the receiving side. The target is
 * under 2 s for 1,000. `CCSDS_BENCH_RECOVERY_N` sets the count (default 1000).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RealClock } from 'ccsds/core';
import { CfdpEntity, type Mib, decodePdu, simpleMib } from 'ccsds/cfdp';
import { FileJournal } from 'ccsds/cfdp/node';
import { NativeFileStore } from 'ccsds/filestore/node';
import { MemoryNetwork } from 'ccsds/transport';

const REMOTE = {
  ackTimerMs: 600_000,
  nakTimerMs: 600_000,
  inactivityTimerMs: 3_600_000,
  keepAliveIntervalMs: 0,
  maxIncomingTransactions: 100_000,
  maxNewTransactionsPerSecond: 1_000_000,
};

function mib(self: number, peer: number): Mib {
  const m = simpleMib(self, [{ entityId: peer, address: `mem://e${peer}`, ...REMOTE }]);
  m.local.maxTransactions = 100_000;
  return m;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Builds the journals: n puts of 8 KiB; every 7th segment of each file and every reply is lost. */
async function prepare(dir: string, n: number): Promise<void> {
  const net = new MemoryNetwork({
    drop: (data, from) => {
      if (from === 'mem://e2') return true; // no ACK, NAK or Finished ever gets back
      const p = decodePdu(data);
      return p.kind === 'fileData' && (Number(p.offset) / 1024) % 7 === 3;
    },
  });
  const clock = new RealClock();
  const block = new Uint8Array(8192).map((_, i) => i * 7);
  const fsA = await NativeFileStore.open(join(dir, 'a'), { create: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'a', `f${i}.bin`), block);
  const ja = FileJournal.open(join(dir, 'state-a'));
  const jb = FileJournal.open(join(dir, 'state-b'));
  const a = new CfdpEntity({
    mib: mib(1, 2),
    transport: net.endpoint('e1'),
    filestore: fsA,
    clock,
    journal: ja,
  });
  const b = new CfdpEntity({
    mib: mib(2, 1),
    transport: net.endpoint('e2'),
    filestore: await NativeFileStore.open(join(dir, 'b'), { create: true }),
    clock,
    journal: jb,
  });
  let eofs = 0;
  let eofsIn = 0;
  a.events.on('eofSent', () => eofs++);
  b.events.on('eofRecv', () => eofsIn++);
  for (let i = 0; i < n; i++)
    await a.put({
      destinationEntityId: 2,
      sourceFileName: `f${i}.bin`,
      destinationFileName: `g${i}.bin`,
    });
  while (eofs < n || eofsIn < n) await sleep(20);
  await sleep(200);
  // The processes "stop" here: whatever the journals hold is what a restart finds.
  await a.close(0);
  await b.close(0);
  ja.close();
  jb.close();
}

async function recoverOnce(
  dir: string,
  side: 'a' | 'b',
): Promise<{
  ms: number;
  cpuMs: number;
  senders: number;
  receivers: number;
  entity: CfdpEntity;
  journal: FileJournal;
}> {
  const net = new MemoryNetwork({ drop: () => true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const journal = FileJournal.open(join(dir, `state-${side}`));
  const entity = new CfdpEntity({
    mib: side === 'a' ? mib(1, 2) : mib(2, 1),
    transport: net.endpoint(side === 'a' ? 'e1' : 'e2'),
    filestore: await NativeFileStore.open(join(dir, side)),
    clock: new RealClock(),
    journal,
  });
  const r = await entity.recover();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, ...r, entity, journal };
}

/** Runs the recovery benchmark. */
export async function run(): Promise<void> {
  const n = Number(process.env['CCSDS_BENCH_RECOVERY_N'] ?? '1000');
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-recovery-'));
  try {
    await prepare(dir, n);
    for (const side of ['a', 'b'] as const) {
      const size = statSync(join(dir, `state-${side}`, 'cfdp.journal')).size;
      const r = await recoverOnce(dir, side);
      const count = side === 'a' ? r.senders : r.receivers;
      if (count !== n)
        throw new Error(`recovered ${count} of ${n} ${side === 'a' ? 'senders' : 'receivers'}`);
      console.log(
        `cfdp-recovery ${n} unfinished Class 2 ${side === 'a' ? 'sending' : 'receiving'} transactions ` +
          `(journal ${(size / 1024).toFixed(0)} KiB): open + recover ${r.ms.toFixed(0)} ms, ` +
          `${r.cpuMs.toFixed(0)} ms CPU ` +
          `(${((n / r.ms) * 1000).toFixed(0)} transactions/s; target < 2000 ms) ${r.ms < 2000 ? 'ok' : 'OVER'}`,
      );
      await r.entity.close(0);
      r.journal.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
