/**
 * Conformance series F2 (after CCSDS 720.4-Y-1): Class 2 recovery from the loss of chosen PDUs
 * (first Metadata, EOF, Finished, ACK(EOF), ACK(Finished); every PDU type once in each
 * direction), the positive ACK limit and the NAK limit, and inactivity at both ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionCode,
  DeliveryCode,
  FileStatus,
  type Pdu,
  type RemoteEntityConfig,
} from 'ccsds/cfdp';
import {
  Bench,
  type Label,
  type Side,
  finished,
  requests,
  sameBytes,
} from './conformance-support.js';

const ACK_MS = 1000;

function times(bench: Bench, side: Side, label: Label): number[] {
  return bench.sent(side, label).map((w) => w.t);
}

async function clean(bench: Bench, data: Uint8Array): Promise<void> {
  const { a, b } = await bench.settle();
  assert.equal(finished(a).conditionCode, 0, 'sender condition');
  assert.equal(finished(b).conditionCode, 0, 'receiver condition');
  assert.equal(finished(a).fileStatus, FileStatus.RETAINED);
  assert.equal(finished(b).deliveryCode, DeliveryCode.DATA_COMPLETE);
  sameBytes(await bench.read('g'), data);
  assert.ok(await bench.drain(), 'quiet afterwards');
  assert.equal(bench.ind('a', 'transactionFinished').length, 1);
  assert.equal(bench.ind('b', 'transactionFinished').length, 1);
  assert.equal(bench.ind('a', 'fault').length + bench.ind('b', 'fault').length, 0);
}

for (const nakMode of ['immediate', 'deferred'] as const) {
  test(`F2.1 loss of the first Metadata (${nakMode}): NAK(0-0), Metadata again, delivered`, async () => {
    const bench = new Bench({ seed: 201, link: { delayMs: 50 }, remote: { nakMode } }).drop(
      'a',
      'metadata',
    );
    const data = await bench.file('f', 6000);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
    await clean(bench, data);
    const naks = bench.sent('b', 'nak');
    assert.ok(naks.length >= 1);
    assert.deepEqual(requests(naks[0]!.pdu)[0], [0, 0], 'the first NAK asks for the Metadata');
    if (nakMode === 'deferred') {
      const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
      assert.ok(
        naks.every((w) => w.t >= eofAt),
        'deferred: no NAK before the EOF',
      );
      assert.equal(naks.length, 1);
      assert.deepEqual(requests(naks[0]!.pdu), [[0, 0]]);
    }
    assert.ok(bench.sent('a', 'metadata').length >= 2);
    assert.equal(bench.sent('a', 'fd').length, 6, 'no file data needed again');
    assert.equal(bench.ind('b', 'metadataRecv').length, 1);
  });
}

test('F2.2 loss of the EOF: sent again when the ACK timer expires, then acknowledged', async () => {
  const bench = new Bench({ seed: 202, remote: { ackTimerMs: ACK_MS } }).drop('a', 'eof');
  const data = await bench.file('f', 5000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await clean(bench, data);
  const t = times(bench, 'a', 'eof');
  assert.equal(t.length, 2);
  assert.equal(t[1]! - t[0]!, ACK_MS);
  assert.deepEqual(times(bench, 'b', 'ack-eof'), [t[1]]);
  assert.equal(bench.ind('b', 'eofRecv').length, 1);
});

test('F2.3 loss of the Finished: sent again when the receiver ACK timer expires', async () => {
  const bench = new Bench({ seed: 203, remote: { ackTimerMs: ACK_MS } }).drop('b', 'finished');
  const data = await bench.file('f', 5000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await clean(bench, data);
  const t = times(bench, 'b', 'finished');
  assert.equal(t.length, 2);
  assert.equal(t[1]! - t[0]!, ACK_MS);
  assert.deepEqual(times(bench, 'a', 'ack-fin'), [t[1]]);
  assert.equal(bench.outcomes.a[0]!.t, t[1], 'the sender finishes on the Finished it gets');
});

test('F2.4 loss of the ACK(EOF): the Finished that follows ends the sender cleanly', async () => {
  const bench = new Bench({
    seed: 204,
    link: { delayMs: 100 },
    remote: { ackTimerMs: ACK_MS },
  }).drop('b', 'ack-eof');
  const data = await bench.file('f', 5000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await clean(bench, data);
  assert.equal(bench.sent('a', 'eof').length, 1, 'Finished arrived before the ACK timer');
  assert.equal(bench.sent('b', 'ack-eof').length, 1);
  assert.equal(bench.sent('a', 'ack-fin').length, 1);
});

test('F2.5 loss of the ACK(Finished): Finished again, the ended sender acknowledges it again', async () => {
  const bench = new Bench({ seed: 205, remote: { ackTimerMs: ACK_MS } }).drop('a', 'ack-fin');
  const data = await bench.file('f', 5000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await clean(bench, data);
  const t = times(bench, 'b', 'finished');
  assert.equal(t.length, 2);
  assert.equal(t[1]! - t[0]!, ACK_MS);
  const acks = bench.sent('a', 'ack-fin');
  assert.equal(acks.length, 2);
  assert.equal(acks[1]!.t, t[1]);
  const ack = acks[1]!.pdu as Extract<Pdu, { kind: 'ack' }>;
  assert.equal(ack.directiveSubtypeCode, 1);
  assert.equal(ack.conditionCode, 0);
  assert.equal(bench.outcomes.b[0]!.t, t[1], 'the receiver ends on the second ACK');
});

interface DropCase {
  side: Side;
  label: Label;
  remote?: Partial<RemoteEntityConfig>;
  /** Other PDUs to drop so that the PDU under test is needed. */
  also?: [Side, Label, number[]][];
  /** The dropped PDU must be sent again. */
  again: boolean;
}

const DROP_CASES: DropCase[] = [
  { side: 'a', label: 'metadata', again: true },
  { side: 'a', label: 'fd', again: true },
  { side: 'a', label: 'eof', again: true },
  { side: 'a', label: 'ack-fin', again: true },
  {
    side: 'a',
    label: 'prompt',
    remote: { nakMode: 'prompted', promptIntervalMs: 300 },
    // The EOF counts as a prompt, so its NAK must be lost too for a Prompt to be needed.
    also: [
      ['a', 'fd', [2]],
      ['b', 'nak', [1]],
    ],
    again: true,
  },
  { side: 'b', label: 'ack-eof', again: false },
  {
    side: 'b',
    label: 'nak',
    remote: { nakMode: 'deferred' },
    also: [['a', 'fd', [2]]],
    again: true,
  },
  { side: 'b', label: 'finished', again: true },
  {
    side: 'b',
    label: 'keepalive',
    remote: { keepAliveIntervalMs: 200, sendRateBytesPerSecond: 2_000 },
    again: true,
  },
];

for (const c of DROP_CASES) {
  test(`F2.6 one ${c.label} lost (${c.side === 'a' ? 'toward receiver' : 'toward sender'})`, async () => {
    const bench = new Bench({
      seed: 206,
      link: { delayMs: 40 },
      remote: { ackTimerMs: 500, nakTimerMs: 500, ...c.remote },
    }).drop(c.side, c.label, [1]);
    for (const [side, label, nth] of c.also ?? []) bench.drop(side, label, nth);
    const data = await bench.file('f', 10_000);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
    await clean(bench, data);
    const all = bench.sent(c.side, c.label);
    assert.equal(all.filter((w) => w.dropped).length, 1, `exactly one ${c.label} dropped`);
    if (c.again) assert.ok(all.length >= 2, `${c.label} sent again (${all.length})`);
    if (c.label === 'fd') {
      const first = all[0]!.pdu as Extract<Pdu, { kind: 'fileData' }>;
      const resent = all.slice(1).filter((w) => {
        const p = w.pdu as Extract<Pdu, { kind: 'fileData' }>;
        return p.offset === first.offset;
      });
      // Immediate mode: one NAK when the gap is seen and one at the EOF; each is served.
      const asked = bench.arrivals.filter(
        (r) =>
          r.to === 'a' &&
          r.pdu?.kind === 'nak' &&
          requests(r.pdu).some(([s, e]) => s <= Number(first.offset) && e > Number(first.offset)),
      ).length;
      assert.ok(asked >= 1);
      assert.equal(resent.length, asked, 'the lost segment is sent once per NAK asking for it');
      assert.equal(all.length, 10 + asked, 'and no other segment is sent again');
    }
  });
}

test('F2.7 ACK limit at the sender: EOF sent ackLimit times, fault, cancel, abandon', async () => {
  const bench = new Bench({
    seed: 207,
    ba: { loss: 1 },
    remote: { ackTimerMs: ACK_MS, ackLimit: 3 },
  });
  await bench.file('f', 3000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await bench.run(() => bench.outcomes.a.length > 0);
  const eofs = bench.sent('a', 'eof');
  const plain = eofs.filter((w) => (w.pdu as Extract<Pdu, { kind: 'eof' }>).conditionCode === 0);
  assert.deepEqual(
    plain.map((w) => w.t),
    [0, ACK_MS, 2 * ACK_MS],
    'the initial EOF and one per expiration before the limit',
  );
  const cancel = eofs.filter((w) => (w.pdu as Extract<Pdu, { kind: 'eof' }>).conditionCode !== 0);
  assert.ok(cancel.length >= 1);
  const c0 = cancel[0]!.pdu as Extract<Pdu, { kind: 'eof' }>;
  assert.equal(c0.conditionCode, ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
  assert.equal(cancel[0]!.t, 3 * ACK_MS, 'fault at the third expiration');
  assert.equal(c0.faultLocation?.entityId, 1n);
  const out = bench.outcomes.a[0]!;
  assert.equal(out.kind, 'abandoned', 'EOF(cancel) is not acknowledged either');
  assert.equal(out.e.conditionCode, ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
  assert.equal(cancel.length, 3, 'EOF(cancel) also ackLimit times');
  assert.equal(out.t, 6 * ACK_MS);
});

test('F2.8 ACK limit at the receiver: Finished sent ackLimit times, then abandoned', async () => {
  const bench = new Bench({ seed: 208, remote: { ackTimerMs: ACK_MS, ackLimit: 4 } }).drop(
    'a',
    'ack-fin',
    'all',
  );
  const data = await bench.file('f', 3000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  const { a, b } = await bench.settle();
  assert.equal(finished(a).conditionCode, 0);
  const t = times(bench, 'b', 'finished');
  assert.deepEqual(t, [0, ACK_MS, 2 * ACK_MS, 3 * ACK_MS]);
  assert.equal(b.kind, 'abandoned');
  assert.equal(b.e.conditionCode, ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
  assert.equal(b.t, 4 * ACK_MS);
  sameBytes(await bench.read('g'), data, 'delivered before the Finished');
  assert.equal(bench.sent('a', 'ack-fin').length, 4, 'each Finished was acknowledged (and lost)');
});

test('F2.9 NAK limit: a segment that never arrives, NAK sent nakLimit times, Finished(7)', async () => {
  const NAK_MS = 700;
  const bench = new Bench({
    seed: 209,
    remote: { nakMode: 'deferred', nakTimerMs: NAK_MS, nakLimit: 3 },
  }).dropWhen('a', (w) => w.pdu?.kind === 'fileData' && Number(w.pdu.offset) === 2048);
  await bench.file('f', 6000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  const { a, b } = await bench.settle();
  const naks = bench.sent('b', 'nak');
  assert.deepEqual(
    naks.map((w) => w.t),
    [0, NAK_MS, 2 * NAK_MS],
  );
  for (const w of naks) assert.deepEqual(requests(w.pdu), [[2048, 3072]]);
  const fins = bench.sent('b', 'finished');
  assert.equal(fins[0]!.t, 3 * NAK_MS, 'fault at the nakLimit-th expiration');
  const fin = fins[0]!.pdu as Extract<Pdu, { kind: 'finished' }>;
  assert.equal(fin.conditionCode, ConditionCode.NAK_LIMIT_REACHED);
  assert.equal(fin.deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  assert.equal(fin.faultLocation?.entityId, 2n);
  assert.equal(finished(b).conditionCode, ConditionCode.NAK_LIMIT_REACHED);
  assert.equal(finished(b).fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(finished(a).conditionCode, ConditionCode.NAK_LIMIT_REACHED);
  assert.deepEqual(await bench.listing('b'), []);
});

test('F2.10 inactivity at the receiver: the sender goes silent, Finished(8) after the timer', async () => {
  const INACT = 3000;
  const bench = new Bench({
    seed: 210,
    remote: { ackTimerMs: ACK_MS, ackLimit: 100 },
    remoteB: { inactivityTimerMs: INACT },
  }).dropWhen('a', (w) => (w.label === 'fd' && w.nth > 2) || w.label === 'eof');
  await bench.file('f', 6000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  const { a, b } = await bench.settle();
  const fin = bench.sent('b', 'finished')[0]!;
  const last = bench.arrivals.filter((r) => r.to === 'b' && r.t < fin.t).at(-1)!;
  assert.equal(last.label, 'fd');
  assert.equal(fin.t - last.t, INACT, 'inactivity timer measured from the last PDU received');
  assert.equal(
    (fin.pdu as Extract<Pdu, { kind: 'finished' }>).conditionCode,
    ConditionCode.INACTIVITY_DETECTED,
  );
  assert.equal(finished(b).conditionCode, ConditionCode.INACTIVITY_DETECTED);
  assert.equal(finished(b).fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  assert.equal(finished(a).conditionCode, ConditionCode.INACTIVITY_DETECTED);
  assert.deepEqual(await bench.listing('b'), []);
});

test('F2.11 inactivity at the sender: no Finished after ACK(EOF), EOF(8) acknowledged', async () => {
  const INACT = 2500;
  const bench = new Bench({
    seed: 211,
    remote: { ackTimerMs: 500, ackLimit: 100 },
    remoteA: { inactivityTimerMs: INACT },
  }).drop('b', 'finished', 'all');
  await bench.file('f', 3000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await bench.run(() => bench.outcomes.a.length > 0);
  const ackAt = bench.arrivals.find((r) => r.to === 'a' && r.label === 'ack-eof')!.t;
  const eofs = bench.sent('a', 'eof');
  assert.equal(eofs.length, 2);
  const e1 = eofs[1]!.pdu as Extract<Pdu, { kind: 'eof' }>;
  assert.equal(e1.conditionCode, ConditionCode.INACTIVITY_DETECTED);
  assert.equal(eofs[1]!.t - ackAt, INACT);
  const out = finished(bench.outcomes.a[0]!);
  assert.equal(out.conditionCode, ConditionCode.INACTIVITY_DETECTED);
  const acks = bench.sent('b', 'ack-eof');
  assert.equal(
    (acks.at(-1)!.pdu as Extract<Pdu, { kind: 'ack' }>).conditionCode,
    ConditionCode.INACTIVITY_DETECTED,
  );
});

test('F2.12 inactivity at a Class 1 sender waiting for a requested Finished', async () => {
  const INACT = 2000;
  const bench = new Bench({ seed: 212, remoteA: { inactivityTimerMs: INACT } }).drop(
    'b',
    'finished',
    'all',
  );
  const data = await bench.file('f', 3000);
  await bench.put({
    sourceFileName: 'f',
    destinationFileName: 'g',
    transmissionClass: 1,
    closureRequested: true,
  });
  const { a, b } = await bench.settle();
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
  assert.equal(finished(a).conditionCode, ConditionCode.INACTIVITY_DETECTED);
  const eofAt = bench.sent('a', 'eof')[0]!.t;
  assert.equal(a.t - eofAt, INACT);
});
