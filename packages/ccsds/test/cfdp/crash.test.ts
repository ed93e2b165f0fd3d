/**
 * kill -9 at many points: one entity runs in a child process (`crash-entity.ts`: UDP on
 * 127.0.0.1, a folder filestore, the file journal) and sends itself SIGKILL at a chosen moment —
 * after the Metadata, mid-file at several offsets, after the EOF went out and before its ACK,
 * during NAK retransmission, after the Finished went out and before its ACK, after or in the
 * middle of a journal write. It is then restarted on the same state folder; the other entity (in
 * this process, on a real socket and a real folder) keeps running. Every unfinished Class 2
 * transfer must resume and complete byte-identical, and a put after the restart must not reuse a
 * transaction sequence number.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RealClock, SeededRandom } from 'ccsds/core';
import { CfdpEntity, type CfdpEvents, simpleMib } from 'ccsds/cfdp';
import { NativeFileStore } from 'ccsds/filestore/node';
import { createTransport } from 'ccsds/transport/node';
import type { CrashEntityConfig, KillPoint } from './crash-entity.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'crash-entity.ts');
/** Large enough for one journaled progress record (every MiB) mid-file, small enough to be quick. */
const SIZE = 1_300_007;
const REMOTE = {
  ackTimerMs: 300,
  nakTimerMs: 300,
  ackLimit: 60,
  nakLimit: 60,
  inactivityTimerMs: 60_000,
  keepAliveIntervalMs: 0,
  sendRateBytesPerSecond: 16_000_000,
  maxFileSegmentLength: 1024,
};

interface Point {
  name: string;
  kill: KillPoint;
  dropSome?: 'send' | 'recv';
  /** The put never returned (its journal record was torn): nothing to resume. */
  notAccepted?: boolean;
  /** The transaction had ended (only its end record was torn): it is resumed and ends again. */
  finishedBeforeKill?: boolean;
}

const SENDER_POINTS: Point[] = [
  { name: 'after the Metadata went out', kill: { on: 'send', what: 'metadata' } },
  { name: 'mid-file at 32 KiB', kill: { on: 'send', what: 'fd', minOffset: 32 << 10 } },
  { name: 'mid-file at 1.05 MiB', kill: { on: 'send', what: 'fd', minOffset: 1_100_000 } },
  { name: 'at the last segment', kill: { on: 'send', what: 'fd', minOffset: SIZE - 1024 } },
  { name: 'after the EOF went out, before its ACK', kill: { on: 'send', what: 'eof' } },
  { name: 'when the ACK(EOF) arrives', kill: { on: 'recv', what: 'ack-eof' } },
  {
    name: 'during NAK retransmission',
    kill: { on: 'send', what: 'fd', retransmission: true, nth: 3 },
    dropSome: 'send',
  },
  { name: 'when the first NAK arrives', kill: { on: 'recv', what: 'nak' }, dropSome: 'send' },
  {
    name: 'when the Finished arrives, before ACK(Finished)',
    kill: { on: 'recv', what: 'finished' },
  },
  {
    name: 'in the middle of the transaction record (put not accepted)',
    kill: { on: 'journal', what: 'tx', torn: true },
    notAccepted: true,
  },
  { name: 'right after the transaction record', kill: { on: 'journal', what: 'tx' } },
  { name: 'in the middle of a progress record', kill: { on: 'journal', what: 'txp', torn: true } },
  { name: 'right after a progress record', kill: { on: 'journal', what: 'txp' } },
  {
    name: 'in the middle of the EOF-sent record',
    kill: { on: 'journal', what: 'txeof', torn: true },
  },
  {
    name: 'in the middle of the end record (after Transaction-Finished)',
    kill: { on: 'journal', what: 'end', torn: true },
    finishedBeforeKill: true,
  },
];

const RECEIVER_POINTS: Point[] = [
  { name: 'when the Metadata arrives', kill: { on: 'recv', what: 'metadata' } },
  { name: 'after the Metadata was journaled', kill: { on: 'journal', what: 'rxm' } },
  { name: 'mid-file at 32 KiB', kill: { on: 'recv', what: 'fd', minOffset: 32 << 10 } },
  { name: 'mid-file at 1.05 MiB', kill: { on: 'recv', what: 'fd', minOffset: 1_100_000 } },
  { name: 'when the EOF arrives, before its ACK', kill: { on: 'recv', what: 'eof' } },
  { name: 'after the ACK(EOF) went out', kill: { on: 'send', what: 'ack-eof' } },
  { name: 'after the first NAK went out', kill: { on: 'send', what: 'nak' }, dropSome: 'recv' },
  {
    name: 'during NAK retransmission',
    kill: { on: 'recv', what: 'fd', retransmission: true, nth: 2 },
    dropSome: 'recv',
  },
  {
    name: 'after the Finished went out, before ACK(Finished)',
    kill: { on: 'send', what: 'finished' },
  },
  {
    name: 'in the middle of the transaction record',
    kill: { on: 'journal', what: 'rx', torn: true },
  },
  {
    name: 'in the middle of the temporary file record',
    kill: { on: 'journal', what: 'rxtmp', torn: true },
  },
  { name: 'in the middle of a ranges record', kill: { on: 'journal', what: 'rxr', torn: true } },
  { name: 'right after a ranges record', kill: { on: 'journal', what: 'rxr' } },
  { name: 'in the middle of the EOF record', kill: { on: 'journal', what: 'rxe', torn: true } },
  { name: 'in the middle of the end record', kill: { on: 'journal', what: 'end', torn: true } },
];

/** A UDP port that was free a moment ago (the victim binds it again at each start). */
function freeUdpPort(): Promise<number> {
  return new Promise((r) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
}

type Line = Record<string, unknown> & { event: string };

/** A running child entity and what it printed. */
class Child {
  readonly lines: Line[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly proc: ChildProcess;
  private stderr = '';

  constructor(cfg: CrashEntityConfig) {
    this.proc = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', CHILD, JSON.stringify(cfg)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as Line);
      } catch {
        this.stderr += `${l}\n`;
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
  }

  find(pred: (l: Line) => boolean): Line | undefined {
    return this.lines.find(pred);
  }

  async until(pred: (l: Line) => boolean, ms: number, what: string): Promise<Line> {
    const end = Date.now() + ms;
    for (;;) {
      const l = this.find(pred);
      if (l !== undefined) return l;
      if (Date.now() > end) assert.fail(`${what}: not seen in ${ms} ms\n${this.log()}`);
      await sleep(20);
    }
  }

  log(): string {
    return `${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr}`;
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The entity that stays up, in this process. */
async function peerEntity(
  self: number,
  other: number,
  otherPort: number,
  dir: string,
): Promise<{ entity: CfdpEntity; port: number; close: () => Promise<void> }> {
  const transport = await createTransport('udp://127.0.0.1:0');
  const entity = new CfdpEntity({
    mib: simpleMib(self, [{ entityId: other, address: `udp://127.0.0.1:${otherPort}`, ...REMOTE }]),
    transport,
    filestore: await NativeFileStore.open(dir, { create: true }),
    clock: new RealClock(),
  });
  return {
    entity,
    port: Number(new URL(transport.address).port),
    close: async () => {
      await entity.close(0);
      await transport.close();
    },
  };
}

async function waitFile(path: string, size: number, ms: number): Promise<Buffer | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const b = readFileSync(path);
      if (b.length === size) return b;
    } catch {
      // not there yet
    }
    await sleep(25);
  }
  return undefined;
}

function same(got: Buffer | undefined, want: Uint8Array, what: string): void {
  assert.ok(got !== undefined, `${what}: the file never arrived`);
  assert.ok(Buffer.compare(got, want) === 0, `${what}: the file differs`);
}

function setup(): { dir: string; data: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-kill9-'));
  for (const d of ['victim', 'victim-state', 'peer']) mkdirSync(join(dir, d));
  return { dir, data: new SeededRandom(SIZE).bytes(SIZE) };
}

async function senderKilled(p: Point): Promise<void> {
  const { dir, data } = setup();
  writeFileSync(join(dir, 'victim', 'f.bin'), data);
  writeFileSync(join(dir, 'victim', 'small.bin'), data.subarray(0, 5000));
  const vPort = await freeUdpPort();
  const peer = await peerEntity(2, 1, vPort, join(dir, 'peer'));
  const pPort = peer.port;
  const arrivals: CfdpEvents['transactionFinished'][0][] = [];
  peer.entity.events.on('transactionFinished', (e) => arrivals.push(e));
  const cfg: CrashEntityConfig = {
    self: 1,
    peer: 2,
    port: vPort,
    peerPort: pPort,
    filestore: join(dir, 'victim'),
    state: join(dir, 'victim-state'),
    remote: REMOTE,
  };
  let child = new Child({
    ...cfg,
    put: { source: 'f.bin', destination: 'g.bin' },
    kill: p.kill,
    ...(p.dropSome === undefined ? {} : { dropSome: p.dropSome }),
  });
  try {
    const exit = await Promise.race([child.exited, sleep(30_000).then(() => undefined)]);
    assert.equal(exit?.signal, 'SIGKILL', `killed by SIGKILL\n${child.log()}`);
    const firstSeq = Number(child.find((l) => l.event === 'put')?.['seq'] ?? 1);
    const finishedBefore = child.find((l) => l.event === 'finished') !== undefined;
    assert.equal(finishedBefore, p.finishedBeforeKill === true, 'finished before the kill');
    // Restart on the same state folder, then a second put.
    child = new Child({ ...cfg, putAfterRecover: { source: 'small.bin', destination: 'h.bin' } });
    const ready = await child.until((l) => l.event === 'ready', 20_000, 'restart');
    assert.equal(ready['senders'], p.notAccepted === true ? 0 : 1, 'resumed sending transactions');
    const second = await child.until((l) => l.event === 'put', 20_000, 'second put');
    assert.ok(Number(second['seq']) > firstSeq, `sequence number ${second['seq']} not reused`);
    if (p.notAccepted !== true) {
      const f = await child.until(
        (l) => l.event === 'finished' && l['key'] === `1:${firstSeq}`,
        40_000,
        'resumed transfer finished',
      );
      assert.equal(f['conditionCode'], 0, `resumed transfer condition\n${child.log()}`);
      same(await waitFile(join(dir, 'peer', 'g.bin'), SIZE, 10_000), data, 'g.bin');
    }
    const h = await child.until(
      (l) => l.event === 'finished' && l['key'] === `1:${second['seq']}`,
      40_000,
      'second transfer finished',
    );
    assert.equal(h['conditionCode'], 0);
    same(await waitFile(join(dir, 'peer', 'h.bin'), 5000, 10_000), data.subarray(0, 5000), 'h.bin');
    assert.ok(
      arrivals.every((a) => a.conditionCode === 0),
      `receiver outcomes ${arrivals.map((a) => a.conditionCode).join(',')}`,
    );
  } finally {
    child.kill();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function receiverKilled(p: Point): Promise<void> {
  const { dir, data } = setup();
  writeFileSync(join(dir, 'peer', 'f.bin'), data);
  const vPort = await freeUdpPort();
  const peer = await peerEntity(1, 2, vPort, join(dir, 'peer'));
  const pPort = peer.port;
  const cfg: CrashEntityConfig = {
    self: 2,
    peer: 1,
    port: vPort,
    peerPort: pPort,
    filestore: join(dir, 'victim'),
    state: join(dir, 'victim-state'),
    remote: REMOTE,
  };
  let child = new Child({
    ...cfg,
    kill: p.kill,
    ...(p.dropSome === undefined ? {} : { dropSome: p.dropSome }),
  });
  try {
    await child.until((l) => l.event === 'ready', 20_000, 'start');
    const id = await peer.entity.put({
      destinationEntityId: 2,
      sourceFileName: 'f.bin',
      destinationFileName: 'g.bin',
    });
    const exit = await Promise.race([child.exited, sleep(30_000).then(() => undefined)]);
    assert.equal(exit?.signal, 'SIGKILL', `killed by SIGKILL\n${child.log()}`);
    child = new Child(cfg);
    await child.until((l) => l.event === 'ready', 20_000, 'restart');
    const r = await Promise.race([peer.entity.waitFor(id), sleep(40_000).then(() => undefined)]);
    assert.ok(r !== undefined, `the sender never finished\n${child.log()}`);
    assert.equal(r.conditionCode, 0, `sender's condition\n${child.log()}`);
    same(await waitFile(join(dir, 'victim', 'g.bin'), SIZE, 10_000), data, 'g.bin');
    // Nothing is left behind in the filestore's private folder once the receiver is done.
    const key = `1:${id.sequenceNumber}`;
    const ended = await child.until(
      (l) => (l.event === 'finished' || l.event === 'abandoned') && l['key'] === key,
      20_000,
      'receiver ended',
    );
    // The restarted receiver ends the transaction as delivered too (no spurious fault when the
    // crash came after the file was delivered but before the end was journaled).
    assert.equal(ended.event, 'finished', `receiver outcome\n${child.log()}`);
    assert.equal(ended['conditionCode'], 0, `receiver condition\n${child.log()}`);
    await sleep(100);
    const leftovers = readdirSync(join(dir, 'victim'), { recursive: true }).filter((n) =>
      String(n).includes('rx-'),
    );
    assert.deepEqual(leftovers, [], 'no temporary files left');
  } finally {
    child.kill();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Mostly waiting (process start-up, timers): points run four at a time on each side.
describe('kill -9 and restart', { concurrency: 2 }, () => {
  describe('SIGKILL of the sending entity at many points', { concurrency: 4 }, () => {
    for (const p of SENDER_POINTS) it(p.name, { timeout: 120_000 }, () => senderKilled(p));
  });
  describe('SIGKILL of the receiving entity at many points', { concurrency: 4 }, () => {
    for (const p of RECEIVER_POINTS) it(p.name, { timeout: 120_000 }, () => receiverKilled(p));
  });
});
