import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from 'ccsds/core';
import {
  ConditionCode,
  FaultHandlerCode,
  FileStatus,
  decodePdu,
  type CfdpEvents,
} from 'ccsds/cfdp';
import { FilestoreAction } from 'ccsds/filestore';
import { readAll, runUntil, runUntilTime, simPair, writeRandomFile } from './sim.js';

type Finished = CfdpEvents['transactionFinished'][0];

function collect(pair: ReturnType<typeof simPair>): {
  a: Finished[];
  b: Finished[];
  events: string[];
} {
  const out = { a: [] as Finished[], b: [] as Finished[], events: [] as string[] };
  pair.a.events.on('transactionFinished', (e) => out.a.push(e));
  pair.b.events.on('transactionFinished', (e) => out.b.push(e));
  for (const ev of [
    'transaction',
    'eofSent',
    'metadataRecv',
    'eofRecv',
    'suspended',
    'resumed',
    'fault',
    'abandoned',
    'report',
  ] as const) {
    pair.a.events.on(ev, () => out.events.push(`a:${ev}`));
    pair.b.events.on(ev, () => out.events.push(`b:${ev}`));
  }
  return out;
}

test('entity ID widths 1, 3 and 8, CRC on and off, large file flag on and off, both protocol versions', async () => {
  for (const [ids, crc, largeFile, version] of [
    [[1n, 2n], false, false, 1],
    [[0x10203n, 0x40506n], true, false, 1],
    [[0x0102030405060708n, 0xf0e0d0c0b0a09080n], true, true, 1],
    [[7n, 9n], false, false, 0],
    [[7n, 9n], true, false, 0],
  ] as const) {
    const pair = simPair(
      1,
      { loss: 0.1 },
      { crc, version, ackTimerMs: 100, nakTimerMs: 100, keepAliveIntervalMs: 0 },
      [ids[0], ids[1]],
    );
    const seen: number[] = [];
    pair.net.node('tap'); // an unrelated node must not disturb anything
    pair.a.events.on('pduError', (e) => assert.fail(String(e.error)));
    pair.b.events.on('pduError', (e) => assert.fail(String(e.error)));
    const data = await writeRandomFile(pair.fsA, 'f', 30_000);
    const r = collect(pair);
    const origSend = (
      pair.a as unknown as { transport: { send: (to: string, d: Uint8Array) => Promise<void> } }
    ).transport;
    const send = origSend.send.bind(origSend);
    origSend.send = (to, d) => {
      const p = decodePdu(d);
      seen.push(p.header.entityIdLength);
      assert.equal(p.header.crcFlag, crc);
      assert.equal(p.header.largeFileFlag, largeFile);
      assert.equal(p.header.version, version);
      return send(to, d);
    };
    await pair.a.put({
      destinationEntityId: ids[1],
      sourceFileName: 'f',
      destinationFileName: 'g',
      largeFile,
    });
    await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
    assert.equal(r.b[0]?.conditionCode, 0);
    assert.equal(toHex((await readAll(pair.fsB, 'g'))!), toHex(data));
    const want = ids[0] > 0xffffffffn ? 8 : ids[0] > 0xffn ? 3 : 1;
    assert.ok(seen.length > 0 && seen.every((w) => w === want), `entity ID width ${want}`);
  }
});

test('Cancel.request at the sender: EOF(cancel) is acknowledged and no file appears', async () => {
  const pair = simPair(
    2,
    { delayMs: 100 },
    { ackTimerMs: 500, keepAliveIntervalMs: 0, sendRateBytesPerSecond: 100_000 },
  );
  await writeRandomFile(pair.fsA, 'big', 1 << 20);
  const r = collect(pair);
  const id = await pair.a.put({
    destinationEntityId: 2n,
    sourceFileName: 'big',
    destinationFileName: 'big',
  });
  await runUntilTime(pair.clock, 2000);
  await pair.a.cancel(id);
  await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
  assert.equal(r.a[0]?.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(r.b[0]?.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(r.b[0]?.fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(await pair.fsB.stat('big'), undefined);
  const leftovers = await pair.fsB.list('');
  assert.deepEqual(
    leftovers.filter((e) => !e.name.startsWith('.')),
    [],
    'no partial file under any name',
  );
});

test('Cancel.request at the receiver: Finished(cancel) reaches the sender', async () => {
  const pair = simPair(
    3,
    { delayMs: 100 },
    { ackTimerMs: 500, keepAliveIntervalMs: 0, sendRateBytesPerSecond: 100_000 },
  );
  await writeRandomFile(pair.fsA, 'big', 1 << 20);
  const r = collect(pair);
  let rxId: CfdpEvents['metadataRecv'][0]['transactionId'] | undefined;
  pair.b.events.on('metadataRecv', (e) => (rxId = e.transactionId));
  await pair.a.put({ destinationEntityId: 2n, sourceFileName: 'big', destinationFileName: 'big' });
  await runUntilTime(pair.clock, 1000);
  assert.ok(rxId !== undefined);
  await pair.b.cancel(rxId!);
  await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
  assert.equal(r.a[0]?.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(r.a[0]?.fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(await pair.fsB.stat('big'), undefined);
});

test('Suspend and Resume: nothing moves while suspended, then the transfer completes', async () => {
  const pair = simPair(
    4,
    { delayMs: 10 },
    { keepAliveIntervalMs: 0, sendRateBytesPerSecond: 200_000 },
  );
  const data = await writeRandomFile(pair.fsA, 'f', 400_000);
  const r = collect(pair);
  const id = await pair.a.put({
    destinationEntityId: 2n,
    sourceFileName: 'f',
    destinationFileName: 'f',
  });
  await runUntilTime(pair.clock, 500);
  pair.a.suspend(id);
  const progress = pair.a.report(id).progress;
  assert.ok(progress > 0 && progress < 400_000);
  await runUntilTime(pair.clock, 20_000);
  assert.equal(pair.a.report(id).progress, progress, 'no progress while suspended');
  assert.equal(pair.a.report(id).state, 'suspended');
  pair.a.resume(id);
  await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
  assert.equal(r.b[0]?.conditionCode, 0);
  assert.equal(toHex((await readAll(pair.fsB, 'f'))!), toHex(data));
  assert.ok(
    r.events.includes('a:suspended') &&
      r.events.includes('a:resumed') &&
      r.events.includes('a:report'),
  );
});

test('a dead link: ACK limit at the sender, inactivity at the receiver, fault handlers and overrides', async () => {
  // Everything from b to a is lost: the sender never sees ACK(EOF).
  const pair = simPair(
    5,
    {},
    {
      ackTimerMs: 100,
      ackLimit: 3,
      inactivityTimerMs: 5000,
      keepAliveIntervalMs: 0,
      nakTimerMs: 100,
      nakLimit: 1000,
    },
  );
  pair.net.setChannel('b', 'a', { loss: 1 });
  await writeRandomFile(pair.fsA, 'f', 1000);
  const r = collect(pair);
  await pair.a.put({ destinationEntityId: 2n, sourceFileName: 'f', destinationFileName: 'f' });
  const abandoned: number[] = [];
  pair.a.events.on('abandoned', (e) => abandoned.push(e.conditionCode));
  await runUntil(pair.clock, () => abandoned.length > 0 || r.a.length > 0);
  // The fault cancels; the EOF(cancel) is not acknowledged either, so the sender abandons.
  assert.deepEqual(abandoned, [ConditionCode.POSITIVE_ACK_LIMIT_REACHED]);
  assert.equal(r.a.length, 0);
  // With an override the same fault abandons instead.
  const pair2 = simPair(6, {}, { ackTimerMs: 100, ackLimit: 3, keepAliveIntervalMs: 0 });
  pair2.net.setChannel('b', 'a', { loss: 1 });
  await writeRandomFile(pair2.fsA, 'f', 1000);
  const r2 = collect(pair2);
  await pair2.a.put({
    destinationEntityId: 2n,
    sourceFileName: 'f',
    destinationFileName: 'f',
    faultHandlerOverrides: [
      {
        conditionCode: ConditionCode.POSITIVE_ACK_LIMIT_REACHED,
        handlerCode: FaultHandlerCode.ABANDON_TRANSACTION,
      },
    ],
  });
  await runUntil(pair2.clock, () => r2.events.includes('a:abandoned'));
  assert.ok(r2.events.includes('a:abandoned'));
  // Receiver inactivity: the sender goes silent after the Metadata.
  const pair3 = simPair(
    7,
    {},
    { inactivityTimerMs: 3000, keepAliveIntervalMs: 0, sendRateBytesPerSecond: 10_000 },
  );
  pair3.net.setChannel('a', 'b', { outages: [[1000, 1e12]] });
  await writeRandomFile(pair3.fsA, 'f', 100_000);
  const r3 = collect(pair3);
  await pair3.a.put({ destinationEntityId: 2n, sourceFileName: 'f', destinationFileName: 'f' });
  const rxAbandoned: number[] = [];
  pair3.b.events.on('abandoned', (e) => rxAbandoned.push(e.conditionCode));
  await runUntil(pair3.clock, () => r3.a.length > 0 && rxAbandoned.length > 0);
  // The receiver's inactivity fault cancels: its Finished(inactivity) reaches the sender...
  assert.equal(r3.a[0]?.conditionCode, ConditionCode.INACTIVITY_DETECTED);
  // ...but the ACK of it cannot come back through the outage, so the receiver gives up.
  assert.deepEqual(rxAbandoned, [ConditionCode.POSITIVE_ACK_LIMIT_REACHED]);
  assert.equal(await pair3.fsB.stat('f'), undefined);
});

test('checksum failure is detected and the file is not delivered', async () => {
  const pair = simPair(8, {}, { keepAliveIntervalMs: 0 });
  await writeRandomFile(pair.fsA, 'f', 10_000);
  const r = collect(pair);
  // Corrupt one octet of file data in flight, fixing up nothing else (no PDU CRC).
  const t = (
    pair.a as unknown as { transport: { send: (to: string, d: Uint8Array) => Promise<void> } }
  ).transport;
  const send = t.send.bind(t);
  let done = false;
  t.send = (to, d) => {
    if (!done && (d[0]! & 0x10) !== 0 && d.length > 100) {
      d = d.slice();
      d[d.length - 1] = d[d.length - 1]! ^ 1;
      done = true;
    }
    return send(to, d);
  };
  await pair.a.put({ destinationEntityId: 2n, sourceFileName: 'f', destinationFileName: 'f' });
  await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
  assert.equal(r.b[0]?.conditionCode, ConditionCode.FILE_CHECKSUM_FAILURE);
  assert.equal(r.a[0]?.conditionCode, ConditionCode.FILE_CHECKSUM_FAILURE);
  assert.equal(await pair.fsB.stat('f'), undefined);
});

test('filestore requests run in order after delivery; destructive ones need permission', async () => {
  const pair = simPair(9, {}, { keepAliveIntervalMs: 0 });
  await writeRandomFile(pair.fsA, 'f', 100);
  await writeRandomFile(pair.fsB, 'old.txt', 10);
  const r = collect(pair);
  const reqs = [
    { actionCode: FilestoreAction.CREATE_DIRECTORY, firstFileName: 'dir' },
    { actionCode: FilestoreAction.RENAME_FILE, firstFileName: 'f', secondFileName: 'dir/f' },
  ];
  await pair.a.put({
    destinationEntityId: 2n,
    sourceFileName: 'f',
    destinationFileName: 'f',
    filestoreRequests: reqs,
  });
  await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
  assert.deepEqual(
    r.a[0]?.filestoreResponses.map((x) => [x.actionCode, x.statusCode]),
    [
      [5, 0],
      [2, 3],
    ],
  );
  assert.equal(r.a[0]?.conditionCode, ConditionCode.FILESTORE_REJECTION);
  // With permission the rename is done.
  const pair2 = simPair(10, {}, { keepAliveIntervalMs: 0, allowedOperations: ['filestore'] });
  await writeRandomFile(pair2.fsA, 'f', 100);
  const r2 = collect(pair2);
  await pair2.a.put({
    destinationEntityId: 2n,
    sourceFileName: 'f',
    destinationFileName: 'f',
    filestoreRequests: reqs,
  });
  await runUntil(pair2.clock, () => r2.a.length > 0 && r2.b.length > 0);
  assert.deepEqual(
    r2.a[0]?.filestoreResponses.map((x) => [x.actionCode, x.statusCode]),
    [
      [5, 0],
      [2, 0],
    ],
  );
  assert.equal(r2.a[0]?.conditionCode, 0);
  assert.ok(await pair2.fsB.stat('dir/f'));
});

test('message-only transaction delivers messages to user', async () => {
  const pair = simPair(11, {}, { keepAliveIntervalMs: 0 });
  const r = collect(pair);
  const msgs: Uint8Array[][] = [];
  pair.b.events.on('metadataRecv', (e) => msgs.push(e.messagesToUser));
  await pair.a.put({
    destinationEntityId: 2n,
    messagesToUser: [new TextEncoder().encode('hello'), new Uint8Array([1, 2, 3])],
  });
  await runUntil(pair.clock, () => r.a.length > 0 && r.b.length > 0);
  assert.equal(r.b[0]?.conditionCode, 0);
  assert.deepEqual(
    msgs[0]?.map((m) => toHex(m)),
    [toHex(new TextEncoder().encode('hello')), '010203'],
  );
});

test('many concurrent transactions in both directions share the link fairly', async () => {
  const pair = simPair(
    12,
    { delayMs: 5, loss: 0.05 },
    { keepAliveIntervalMs: 0, ackTimerMs: 200, nakTimerMs: 200, nakLimit: 100, ackLimit: 100 },
  );
  const files: [string, Uint8Array][] = [];
  for (let i = 0; i < 8; i++)
    files.push([`a${i}`, await writeRandomFile(pair.fsA, `a${i}`, 20_000 + i * 1000, i)]);
  for (let i = 0; i < 4; i++)
    files.push([`b${i}`, await writeRandomFile(pair.fsB, `b${i}`, 15_000, 100 + i)]);
  const r = collect(pair);
  for (let i = 0; i < 8; i++)
    await pair.a.put({
      destinationEntityId: 2n,
      sourceFileName: `a${i}`,
      destinationFileName: `from-a${i}`,
    });
  for (let i = 0; i < 4; i++)
    await pair.b.put({
      destinationEntityId: 1n,
      sourceFileName: `b${i}`,
      destinationFileName: `from-b${i}`,
    });
  await runUntil(pair.clock, () => r.a.length === 12 && r.b.length === 12);
  assert.ok(r.a.concat(r.b).every((e) => e.conditionCode === 0));
  for (const [name, data] of files) {
    const fs = name.startsWith('a') ? pair.fsB : pair.fsA;
    assert.equal(toHex((await readAll(fs, `from-${name}`))!), toHex(data), name);
  }
});
