/**
 * Conformance series F1 (after CCSDS 720.4-Y-1): Class 1 and Class 2 basics on a clean link and
 * with about 1% loss, duplication and reordering; messages to user (message-only and with a
 * file); Cancel.request at either end and in Class 1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionCode,
  DeliveryCode,
  FileChecksum,
  FileStatus,
  type Pdu,
  type TransactionId,
} from 'ccsds/cfdp';
import { Bench, finished, sameBytes } from './conformance-support.js';

const te = new TextEncoder();

function checksumOf(type: number, data: Uint8Array): number {
  const c = new FileChecksum(type);
  c.update(0, data);
  return c.digest();
}

test('F1.1 Class 2 on a clean link: exact PDU exchange, fields and indications', async () => {
  const bench = new Bench({ seed: 101 });
  const data = await bench.file('src.bin', 10_000);
  await bench.put({ sourceFileName: 'src.bin', destinationFileName: 'dst.bin' });
  const { a, b } = await bench.settle();

  assert.deepEqual(
    bench.sent('a').map((w) => w.label),
    ['metadata', ...Array<string>(10).fill('fd'), 'eof', 'ack-fin'],
  );
  assert.deepEqual(
    bench.sent('b').map((w) => w.label),
    ['ack-eof', 'finished'],
  );
  for (const w of bench.wire) {
    assert.equal(w.pdu!.header.transmissionMode, 0, 'acknowledged mode');
    assert.equal(w.pdu!.header.sourceEntityId, 1n);
    assert.equal(w.pdu!.header.destinationEntityId, 2n);
    assert.equal(w.pdu!.header.direction, w.from === 'a' ? 0 : 1);
  }
  const md = bench.sent('a', 'metadata')[0]!.pdu as Extract<Pdu, { kind: 'metadata' }>;
  assert.equal(md.sourceFileName, 'src.bin');
  assert.equal(md.destinationFileName, 'dst.bin');
  assert.equal(md.fileSize, 10_000);
  assert.equal(md.checksumType, 3);
  const offsets = bench.sent('a', 'fd').map((w) => {
    const p = w.pdu as Extract<Pdu, { kind: 'fileData' }>;
    return [Number(p.offset), p.data.length];
  });
  assert.deepEqual(
    offsets,
    Array.from({ length: 10 }, (_, i) => [i * 1024, Math.min(1024, 10_000 - i * 1024)]),
  );
  const eof = bench.sent('a', 'eof')[0]!.pdu as Extract<Pdu, { kind: 'eof' }>;
  assert.equal(eof.conditionCode, 0);
  assert.equal(eof.fileSize, 10_000);
  assert.equal(eof.fileChecksum, checksumOf(3, data));
  const ackEof = bench.sent('b', 'ack-eof')[0]!.pdu as Extract<Pdu, { kind: 'ack' }>;
  assert.equal(ackEof.ackedDirectiveCode, 4);
  assert.equal(ackEof.directiveSubtypeCode, 0);
  assert.equal(ackEof.conditionCode, 0);
  const fin = bench.sent('b', 'finished')[0]!.pdu as Extract<Pdu, { kind: 'finished' }>;
  assert.equal(fin.conditionCode, 0);
  assert.equal(fin.deliveryCode, DeliveryCode.DATA_COMPLETE);
  assert.equal(fin.fileStatus, FileStatus.RETAINED);
  assert.equal(fin.faultLocation, undefined);
  const ackFin = bench.sent('a', 'ack-fin')[0]!.pdu as Extract<Pdu, { kind: 'ack' }>;
  assert.equal(ackFin.ackedDirectiveCode, 5);
  assert.equal(ackFin.directiveSubtypeCode, 1);

  const fa = finished(a);
  const fb = finished(b);
  assert.equal(fa.conditionCode, 0);
  assert.equal(fa.fileStatus, FileStatus.RETAINED, 'the sender reports what Finished said');
  assert.equal(fa.deliveryCode, DeliveryCode.DATA_COMPLETE);
  assert.equal(fb.conditionCode, 0);
  assert.equal(fb.fileStatus, FileStatus.RETAINED);
  assert.equal(fb.deliveryCode, DeliveryCode.DATA_COMPLETE);
  sameBytes(await bench.read('dst.bin'), data);
  assert.deepEqual(bench.names('a'), ['transaction', 'eofSent', 'transactionFinished']);
  assert.deepEqual(bench.names('b'), ['metadataRecv', 'eofRecv', 'transactionFinished']);
  assert.ok(await bench.drain(), 'no timer left once both ends are finished');
});

test('F1.2 Class 1 on a clean link: no response PDUs, file delivered', async () => {
  const bench = new Bench({ seed: 102 });
  const data = await bench.file('f', 5000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g', transmissionClass: 1 });
  const { a, b } = await bench.settle();
  assert.deepEqual(
    bench.sent('a').map((w) => w.label),
    ['metadata', 'fd', 'fd', 'fd', 'fd', 'fd', 'eof'],
  );
  assert.equal(bench.sent('b').length, 0, 'the receiver sends nothing in Class 1');
  assert.ok(bench.wire.every((w) => w.pdu!.header.transmissionMode === 1));
  const md = bench.sent('a', 'metadata')[0]!.pdu as Extract<Pdu, { kind: 'metadata' }>;
  assert.equal(md.closureRequested, false);
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(a).fileStatus, FileStatus.UNREPORTED);
  assert.equal(finished(b).conditionCode, 0);
  assert.equal(finished(b).fileStatus, FileStatus.RETAINED);
  assert.equal(finished(b).deliveryCode, DeliveryCode.DATA_COMPLETE);
  sameBytes(await bench.read('g'), data);
  assert.deepEqual(bench.names('b'), ['metadataRecv', 'eofRecv', 'transactionFinished']);
});

test('F1.3 Class 1 with closure requested: one Finished, no ACK, the sender learns the outcome', async () => {
  const bench = new Bench({ seed: 103 });
  const data = await bench.file('f', 3000);
  await bench.put({
    sourceFileName: 'f',
    destinationFileName: 'g',
    transmissionClass: 1,
    closureRequested: true,
  });
  const { a, b } = await bench.settle();
  const md = bench.sent('a', 'metadata')[0]!.pdu as Extract<Pdu, { kind: 'metadata' }>;
  assert.equal(md.closureRequested, true);
  assert.deepEqual(
    bench.sent('b').map((w) => w.label),
    ['finished'],
  );
  assert.equal(bench.sent('a', 'ack-fin').length, 0, 'no ACK of Finished in Class 1');
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(a).fileStatus, FileStatus.RETAINED);
  assert.equal(finished(a).deliveryCode, DeliveryCode.DATA_COMPLETE);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
  assert.ok(await bench.drain());
});

test('F1.4 Class 2 with ~1% loss, ~1% duplication and reordering, 6 seeds', async () => {
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const bench = new Bench({
      seed,
      link: { delayMs: 50, jitterMs: 40, loss: 0.01, duplicate: 0.01 },
      remote: { ackTimerMs: 400, nakTimerMs: 400 },
    });
    const data = await bench.file('f', 150_000 + seed * 1111, seed);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
    const { a, b } = await bench.settle();
    assert.equal(finished(a).conditionCode, 0, `seed ${seed}`);
    assert.equal(finished(b).conditionCode, 0, `seed ${seed}`);
    assert.equal(finished(b).fileStatus, FileStatus.RETAINED);
    sameBytes(await bench.read('g'), data, `seed ${seed}`);
    assert.equal(bench.ind('b', 'metadataRecv').length, 1, 'Metadata-Recv once despite repeats');
    assert.equal(bench.ind('b', 'transactionFinished').length, 1);
    assert.equal(bench.ind('a', 'transactionFinished').length, 1);
    assert.ok(await bench.drain());
    assert.equal(bench.ind('b', 'transactionFinished').length, 1, 'no second finish later');
    for (const st of bench.net.stats.values()) {
      lost += st.lost;
      duplicated += st.duplicated;
    }
    let last = -1;
    for (const r of bench.arrivals) {
      if (r.to !== 'b' || r.pdu?.kind !== 'fileData') continue;
      const o = Number(r.pdu.offset);
      if (o < last) reordered++;
      last = o;
    }
  }
  assert.ok(lost > 0 && duplicated > 0 && reordered > 0, 'the impairments really happened');
});

test('F1.5 Class 1 with duplication and reordering: delivered exactly once', async () => {
  for (let seed = 1; seed <= 3; seed++) {
    const bench = new Bench({ seed, link: { delayMs: 20, jitterMs: 30, duplicate: 0.05 } });
    const data = await bench.file('f', 60_000, seed);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g', transmissionClass: 1 });
    const { a, b } = await bench.settle();
    assert.equal(finished(a).conditionCode, 0);
    assert.equal(finished(b).conditionCode, 0, `seed ${seed}`);
    sameBytes(await bench.read('g'), data);
    assert.equal(bench.sent('b').length, 0);
    assert.ok(await bench.drain());
    assert.equal(bench.ind('b', 'transactionFinished').length, 1);
  }
});

test('F1.6 Class 1 with a lost segment: check limit at the receiver, no file appears', async () => {
  const bench = new Bench({
    seed: 106,
    remote: { checkTimerMs: 700, checkLimit: 3 },
  }).drop('a', 'fd', [3]);
  await bench.file('f', 8000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g', transmissionClass: 1 });
  const { a, b } = await bench.settle();
  assert.equal(finished(a).conditionCode, 0, 'the Class 1 sender cannot know');
  const fb = finished(b);
  assert.equal(fb.conditionCode, ConditionCode.CHECK_LIMIT_REACHED);
  assert.equal(fb.deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  assert.equal(fb.fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
  assert.equal(b.t - eofAt, 3 * 700, 'after checkLimit expirations of the check timer');
  assert.deepEqual(await bench.listing('b'), []);
  assert.equal(bench.sent('b').length, 0);
});

for (const cls of [1, 2] as const) {
  test(`F1.7 message-only transaction, Class ${cls}: messages delivered, no file data, no file`, async () => {
    const bench = new Bench({ seed: 107 });
    const msgs = [te.encode('hello, spacecraft'), new Uint8Array([1, 2, 3]), new Uint8Array(0)];
    await bench.put({ messagesToUser: msgs, transmissionClass: cls });
    const { a, b } = await bench.settle();
    assert.deepEqual(
      bench.sent('a').map((w) => w.label),
      cls === 2 ? ['metadata', 'eof', 'ack-fin'] : ['metadata', 'eof'],
    );
    const md = bench.sent('a', 'metadata')[0]!.pdu as Extract<Pdu, { kind: 'metadata' }>;
    assert.equal(md.fileSize, 0);
    assert.equal(md.sourceFileName, '');
    assert.equal(md.destinationFileName, '');
    assert.deepEqual(
      md.options.map((o) =>
        o.kind === 'messageToUser' ? Buffer.from(o.message).toString('hex') : o.kind,
      ),
      msgs.map((m) => Buffer.from(m).toString('hex')),
    );
    const eof = bench.sent('a', 'eof')[0]!.pdu as Extract<Pdu, { kind: 'eof' }>;
    assert.equal(eof.fileSize, 0);
    const rx = bench.ind('b', 'metadataRecv');
    assert.equal(rx.length, 1);
    assert.deepEqual(
      (rx[0]!.e.messagesToUser as Uint8Array[]).map((m) => Buffer.from(m).toString('hex')),
      msgs.map((m) => Buffer.from(m).toString('hex')),
    );
    assert.equal(finished(a).conditionCode, 0);
    assert.equal(finished(b).conditionCode, 0);
    assert.equal(finished(b).deliveryCode, DeliveryCode.DATA_COMPLETE);
    assert.deepEqual(await bench.listing('b'), [], 'no file is created');
    if (cls === 2)
      assert.deepEqual(
        bench.sent('b').map((w) => w.label),
        ['ack-eof', 'finished'],
      );
  });
}

test('F1.8 messages to user with a file, Class 2 with loss of the first Metadata', async () => {
  const bench = new Bench({ seed: 108 }).drop('a', 'metadata', [1]);
  const data = await bench.file('f', 4000);
  const msgs = [te.encode('first'), te.encode('second')];
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g', messagesToUser: msgs });
  const { a, b } = await bench.settle();
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
  const rx = bench.ind('b', 'metadataRecv');
  assert.equal(rx.length, 1);
  assert.deepEqual(
    (rx[0]!.e.messagesToUser as Uint8Array[]).map((m) => new TextDecoder().decode(m)),
    ['first', 'second'],
  );
  assert.equal(rx[0]!.e.destinationFileName, 'g');
  // Both Metadata PDUs carry the messages.
  for (const w of bench.sent('a', 'metadata')) {
    const md = w.pdu as Extract<Pdu, { kind: 'metadata' }>;
    assert.equal(md.options.filter((o) => o.kind === 'messageToUser').length, 2);
  }
  // Every NAK that reached the sender while the Metadata was missing asked for it (0-0); each
  // such request is answered, and nothing else asks for it.
  const asking = bench.arrivals.filter(
    (r) =>
      r.to === 'a' &&
      r.pdu?.kind === 'nak' &&
      r.pdu.segmentRequests.some(([s, e]) => s === 0 && e === 0),
  ).length;
  assert.ok(asking >= 1);
  assert.equal(bench.sent('a', 'metadata').length, 1 + asking);
  const mdAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'metadata')!.t;
  assert.ok(
    bench.sent('b', 'nak').every((w) => w.t <= mdAt),
    'no NAK once the Metadata is in (no data was lost)',
  );
});

async function midTransfer(
  seed: number,
  cls: 1 | 2,
  closure = false,
): Promise<{ bench: Bench; id: TransactionId }> {
  const bench = new Bench({
    seed,
    link: { delayMs: 100 },
    remote: { ackTimerMs: 500, sendRateBytesPerSecond: 100_000 },
  });
  await bench.file('big', 500_000);
  const id = await bench.put({
    sourceFileName: 'big',
    destinationFileName: 'big',
    transmissionClass: cls,
    closureRequested: closure,
  });
  await bench.runTo(1000);
  return { bench, id };
}

test('F1.9 Cancel.request at the sender, Class 2: EOF(cancel) acknowledged, nothing delivered', async () => {
  const { bench, id } = await midTransfer(109, 2);
  const progress = bench.a.report(id).progress;
  assert.ok(progress > 0 && progress < 500_000);
  const cancelAt = bench.clock.now();
  await bench.a.cancel(id);
  const { a, b } = await bench.settle();
  const eofs = bench.sent('a', 'eof');
  assert.equal(eofs.length, 1);
  const eof = eofs[0]!.pdu as Extract<Pdu, { kind: 'eof' }>;
  assert.equal(eof.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(eof.fileSize, progress, 'EOF(cancel) gives the progress so far');
  assert.equal(eof.faultLocation?.entityId, 1n);
  assert.ok(
    bench.sent('a', 'fd').every((w) => w.t <= cancelAt),
    'no file data after the cancel',
  );
  const ack = bench.sent('b', 'ack-eof')[0]!.pdu as Extract<Pdu, { kind: 'ack' }>;
  assert.equal(ack.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(bench.sent('b', 'finished').length, 0, 'an EOF(cancel) is answered by its ACK');
  assert.equal(finished(a).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(b).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(b).fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(finished(b).deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  assert.deepEqual(await bench.listing('b'), []);
  assert.ok(await bench.drain());
});

test('F1.10 Cancel.request at the receiver, Class 2: Finished(cancel) acknowledged, sender stops', async () => {
  const { bench } = await midTransfer(110, 2);
  const rxId = bench.ind('b', 'metadataRecv')[0]!.e.transactionId as TransactionId;
  await bench.b.cancel(rxId);
  const { a, b } = await bench.settle();
  const fins = bench.sent('b', 'finished');
  assert.equal(fins.length, 1);
  const fin = fins[0]!.pdu as Extract<Pdu, { kind: 'finished' }>;
  assert.equal(fin.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(fin.deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  assert.equal(fin.fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(fin.faultLocation?.entityId, 2n);
  const finAt = bench.arrivals.find((r) => r.to === 'a' && r.label === 'finished')!.t;
  assert.ok(
    bench.sent('a', 'fd').every((w) => w.t <= finAt),
    'sender stops on Finished',
  );
  assert.equal(bench.sent('a', 'eof').length, 0);
  const ack = bench.sent('a', 'ack-fin')[0]!.pdu as Extract<Pdu, { kind: 'ack' }>;
  assert.equal(ack.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(a).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(a).fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(finished(b).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.deepEqual(await bench.listing('b'), []);
  assert.ok(await bench.drain());
});

test('F1.11 Cancel.request at the sender, Class 1: EOF(cancel), receiver discards silently', async () => {
  const { bench, id } = await midTransfer(111, 1);
  await bench.a.cancel(id);
  const { a, b } = await bench.settle();
  const eof = bench.sent('a', 'eof')[0]!.pdu as Extract<Pdu, { kind: 'eof' }>;
  assert.equal(eof.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(bench.sent('b').length, 0);
  assert.equal(finished(a).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(b).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(b).fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.deepEqual(await bench.listing('b'), []);
});

test('F1.12 Cancel.request at the receiver, Class 1 with closure: Finished(cancel) ends the sender', async () => {
  const { bench } = await midTransfer(112, 1, true);
  const rxId = bench.ind('b', 'metadataRecv')[0]!.e.transactionId as TransactionId;
  await bench.b.cancel(rxId);
  const { a, b } = await bench.settle();
  assert.deepEqual(
    bench.sent('b').map((w) => w.label),
    ['finished'],
  );
  assert.equal(finished(b).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(a).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(bench.sent('a', 'ack-fin').length, 0);
  assert.deepEqual(await bench.listing('b'), []);
});

test('F1.13 Cancel.request at the receiver, Class 1 without closure: the sender completes unaware', async () => {
  const { bench } = await midTransfer(113, 1, false);
  const rxId = bench.ind('b', 'metadataRecv')[0]!.e.transactionId as TransactionId;
  await bench.b.cancel(rxId);
  const { a, b } = await bench.settle();
  assert.equal(bench.sent('b').length, 0);
  assert.equal(finished(b).conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(a).fileStatus, FileStatus.UNREPORTED);
  await bench.drain();
  assert.deepEqual(await bench.listing('b'), [], 'late data does not revive the transaction');
  assert.equal(bench.ind('b', 'transactionFinished').length, 1);
});
