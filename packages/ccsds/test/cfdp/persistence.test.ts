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
