import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, SimulatedClock, toHex } from 'ccsds/core';
import {
  CfdpEntity,
  MemoryJournal,
  type JournalRecord,
  replayJournal,
  compactJournal,
  simpleMib,
} from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { SimulatedNetwork } from 'ccsds/transport';
import { readAll, runUntilTime } from './sim.js';

const REMOTE = {
  ackTimerMs: 500,
  nakTimerMs: 500,
  keepAliveIntervalMs: 0,
  inactivityTimerMs: 600_000,
  ackLimit: 100,
  nakLimit: 100,
  sendRateBytesPerSecond: 1_000_000,
};

function entity(
  net: SimulatedNetwork,
  clock: SimulatedClock,
  self: 1 | 2,
  fs: MemoryFileStore,
  journal: MemoryJournal,
): CfdpEntity {
  const peer = self === 1 ? 2 : 1;
  return new CfdpEntity({
    mib: simpleMib(self, [{ entityId: peer, address: `sim://n${peer}`, ...REMOTE }]),
    transport: net.node(`n${self}`),
    filestore: fs,
    clock,
    journal,
  });
}

/** Takes a node off the network, as a crashed process's socket would go away. */
async function closeNode(net: SimulatedNetwork, name: string): Promise<void> {
  net.detach(`sim://${name}`);
}

for (const who of ['receiver', 'sender'] as const) {
  test(`a ${who} restarted in the middle of a Class 2 transfer resumes it to a byte-identical file`, async () => {
    for (const crashAt of [1500, 2600, 4100]) {
      const clock = new SimulatedClock({ seed: crashAt });
      const net = new SimulatedNetwork(clock);
      net.setLink('n1', 'n2', { delayMs: 20, loss: 0.05 });
      const fs1 = new MemoryFileStore();
      const fs2 = new MemoryFileStore();
      const j1 = new MemoryJournal();
      const j2 = new MemoryJournal();
      const data = new SeededRandom(crashAt).bytes(5 << 20);
      const h = await fs1.openWrite('f');
      await h.write(0, data);
      await h.close();
      let a = entity(net, clock, 1, fs1, j1);
      let b = entity(net, clock, 2, fs2, j2);
      const id = await a.put({
        destinationEntityId: 2,
        sourceFileName: 'f',
        destinationFileName: 'g',
      });
      await runUntilTime(clock, crashAt);
      assert.ok((await fs2.stat('g')) === undefined, 'not finished before the crash');
      // "Crash": the entity goes away with whatever its journal holds; a new one recovers.
      if (who === 'receiver') {
        await b.close();
        await closeNode(net, 'n2');
        await runUntilTime(clock, crashAt + 3000); // the sender keeps going meanwhile
        b = entity(net, clock, 2, fs2, j2);
        assert.deepEqual(await b.recover(), { senders: 0, receivers: 1 });
      } else {
        await a.close();
        await closeNode(net, 'n1');
        await runUntilTime(clock, crashAt + 3000);
        a = entity(net, clock, 1, fs1, j1);
        assert.deepEqual(await a.recover(), { senders: 1, receivers: 0 });
      }
      let done: number | undefined;
      void a.waitFor(id).then((r) => (done = r.conditionCode));
      await clock.runAsync({ until: () => done !== undefined });
      assert.equal(done, 0, `crash at ${crashAt}`);
      assert.equal(toHex((await readAll(fs2, 'g'))!), toHex(data), `crash at ${crashAt}`);
      // A new put after recovery never reuses a sequence number.
      if (who === 'sender') {
        const id2 = await a.put({
          destinationEntityId: 2,
          sourceFileName: 'f',
          destinationFileName: 'h',
        });
        assert.ok(id2.sequenceNumber > id.sequenceNumber);
      }
    }
  });
}

test('journal replay and compaction keep exactly the live transactions', () => {
  const h = {
    version: 1,
    pduType: 0 as const,
    direction: 0 as const,
    transmissionMode: 0 as const,
    crcFlag: false,
    largeFileFlag: false,
    segmentationControl: false,
    segmentMetadataFlag: false,
    entityIdLength: 1,
    transactionSeqNumLength: 2,
    sourceEntityId: '1',
    destinationEntityId: '2',
    transactionSequenceNumber: '7',
  };
  const records: JournalRecord[] = [
    { t: 'seq', next: '8' },
    {
      t: 'tx',
      k: '1:7',
      remote: '2',
      header: h,
      request: { destinationEntityId: '2', sourceFileName: 'a' },
      fileSize: 100,
    },
    { t: 'txp', k: '1:7', next: 50, checksum: { type: 3, value: 1, crcOffset: 50, inOrder: true } },
    {
      t: 'tx',
      k: '1:8',
      remote: '2',
      header: { ...h, transactionSequenceNumber: '8' },
      request: { destinationEntityId: '2' },
      fileSize: 0,
    },
    { t: 'end', k: '1:8' },
    {
      t: 'rx',
      k: '2:3',
      remote: '2',
      header: {
        ...h,
        sourceEntityId: '2',
        destinationEntityId: '1',
        transactionSequenceNumber: '3',
      },
    },
    { t: 'rxtmp', k: '2:3', path: '.ccsds-tmp/x' },
    { t: 'rxr', k: '2:3', ranges: [[0, 10]] },
    { t: 'rxr', k: '2:3', ranges: [[0, 20]] },
  ];
  const s = replayJournal(records);
  assert.equal(s.nextSequenceNumber, 9n, 'never below a used number + 1');
  assert.deepEqual(
    s.senders.map((x) => [x.key, x.next]),
    [['1:7', 50]],
  );
  assert.deepEqual(
    s.receivers.map((x) => [x.key, x.tempPath, x.ranges]),
    [['2:3', '.ccsds-tmp/x', [[0, 20]]]],
  );
  const c = compactJournal(records);
  assert.deepEqual(replayJournal(c), s);
  assert.ok(c.length < records.length);
});

test('1,000 journaled unfinished transactions on each side all resume and complete byte-identical', async () => {
  const n = 1000;
  const clock = new SimulatedClock({ seed: 1000 });
  const net = new SimulatedNetwork(clock);
  // Until the "crash", 15% of what the sender sends is lost and nothing gets back to it.
  net.setChannel('n1', 'n2', { delayMs: 20, loss: 0.15 });
  net.setChannel('n2', 'n1', { delayMs: 20, outages: [[0, 5000]] });
  const fs1 = new MemoryFileStore();
  const fs2 = new MemoryFileStore();
  const j1 = new MemoryJournal();
  const j2 = new MemoryJournal();
  const many = {
    ...REMOTE,
    ackTimerMs: 10_000,
    nakTimerMs: 10_000,
    maxIncomingTransactions: 5000,
    maxNewTransactionsPerSecond: 1_000_000,
  };
  const make = (self: 1 | 2, fs: MemoryFileStore, journal: MemoryJournal): CfdpEntity => {
    const peer = self === 1 ? 2 : 1;
    const mib = simpleMib(self, [{ entityId: peer, address: `sim://n${peer}`, ...many }]);
    mib.local.maxTransactions = 5000;
    return new CfdpEntity({ mib, transport: net.node(`n${self}`), filestore: fs, clock, journal });
  };
  const files: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const d = new SeededRandom(i).bytes(2000 + (i % 5) * 1000);
    files.push(d);
    const h = await fs1.openWrite(`f${i}`);
    await h.write(0, d);
    await h.close();
  }
  const a = make(1, fs1, j1);
  const b = make(2, fs2, j2);
  const ids = [];
  for (let i = 0; i < n; i++)
    ids.push(
      await a.put({
        destinationEntityId: 2,
        sourceFileName: `f${i}`,
        destinationFileName: `g${i}`,
      }),
    );
  await runUntilTime(clock, 3000);
  assert.equal(a.list().length, n, 'all still open at the sender');
  assert.equal(b.list().length, n, 'all still open at the receiver');
  // Both crash; new entities recover from the journals.
  await a.close(0);
  await b.close(0);
  net.detach('sim://n1');
  net.detach('sim://n2');
  net.setChannel('n1', 'n2', { delayMs: 20, loss: 0.02 });
  net.setChannel('n2', 'n1', { delayMs: 20, loss: 0.02 });
  const a2 = make(1, fs1, j1);
  const b2 = make(2, fs2, j2);
  assert.deepEqual(await b2.recover(), { senders: 0, receivers: n });
  assert.deepEqual(await a2.recover(), { senders: n, receivers: 0 });
  const results = new Map<string, number>();
  for (const id of ids)
    void a2.waitFor(id).then((r) => results.set(String(id.sequenceNumber), r.conditionCode));
  await clock.runAsync({ until: () => results.size === n });
  const codes = new Map<number, number>();
  for (const c of results.values()) codes.set(c, (codes.get(c) ?? 0) + 1);
  assert.deepEqual([...codes], [[0, n]], 'every transfer completed');
  for (let i = 0; i < n; i++) {
    const got = await readAll(fs2, `g${i}`);
    assert.ok(got !== undefined && Buffer.compare(got, files[i]!) === 0, `g${i} byte-identical`);
  }
  assert.ok(a2.nextSequenceNumber > ids[n - 1]!.sequenceNumber, 'sequence numbers not reused');
  // The receivers end once their Finished is acknowledged (some ACKs are lost and sent again).
  await clock.runAsync({ until: () => a2.list().length + b2.list().length === 0 });
  assert.equal(a2.list().length + b2.list().length, 0);
});
