/**
 * Conformance regressions: failures seen in other CFDP implementations, replayed against ours —
 * repeated EOFs, Metadata arriving in the middle of the deferred NAK procedure, EOF while
 * suspended, resume with nothing missing, NAKs larger than the maximum PDU size, file data
 * beyond the declared file size, and a PDU whose CRC flag was flipped in transit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionCode,
  DeliveryCode,
  FileStatus,
  type Pdu,
  type TransactionId,
  TransactionStatus,
  decodePdu,
  encodePdu,
} from 'ccsds/cfdp';
import { Bench, finished, merge, requests, sameBytes } from './conformance-support.js';

type Fd = Extract<Pdu, { kind: 'fileData' }>;
type Eof = Extract<Pdu, { kind: 'eof' }>;
type Ack = Extract<Pdu, { kind: 'ack' }>;
type Fin = Extract<Pdu, { kind: 'finished' }>;

test('R1 a repeated EOF is acknowledged again while the receiver is still working', async () => {
  // The first ACK(EOF) is lost; the receiver is busy recovering a segment (lost twice) when the
  // EOF comes again.
  const bench = new Bench({
    seed: 501,
    link: { delayMs: 100 },
    remote: { nakMode: 'deferred', ackTimerMs: 250, nakTimerMs: 1000 },
  })
    .dropWhen('a', (w) => w.pdu?.kind === 'fileData' && w.pdu.offset === 1024 && w.nth <= 11)
    .drop('b', 'ack-eof', [1]);
  const data = await bench.file('f', 10_000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  const { a, b } = await bench.settle();
  assert.deepEqual(
    bench.sent('a', 'eof').map((w) => w.t),
    [0, 250],
  );
  const acks = bench.sent('b', 'ack-eof');
  assert.deepEqual(
    acks.map((w) => w.t),
    [100, 350],
    'each EOF gets its ACK',
  );
  for (const w of acks) {
    const p = w.pdu as Ack;
    assert.equal(p.ackedDirectiveCode, 4);
    assert.equal(p.conditionCode, 0);
    assert.equal(p.transactionStatus, TransactionStatus.ACTIVE);
  }
  assert.equal(bench.ind('b', 'eofRecv').length, 1, 'EOF-Recv once');
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
  assert.ok(await bench.drain());
  assert.equal(bench.sent('a', 'eof').length, 2, 'no further EOF once acknowledged');
});

test('R2 an EOF repeated after the receiver ended is acknowledged (terminated), nothing restarts', async () => {
  const bench = new Bench({ seed: 502 });
  const data = await bench.file('f', 4000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await bench.settle();
  assert.ok(await bench.drain());
  const before = bench.indications.length;
  const forge = bench.forger();
  await forge('b', bench.sent('a', 'eof')[0]!.bytes);
  assert.ok(await bench.drain());
  const acks = bench.sent('b', 'ack-eof');
  assert.equal(acks.length, 2);
  const late = acks[1]!.pdu as Ack;
  assert.equal(late.conditionCode, 0);
  assert.equal(late.transactionStatus, TransactionStatus.TERMINATED);
  assert.deepEqual(
    bench.indications.slice(before).map((i) => `${i.side}:${i.name}`),
    [],
    'no new transaction, no indication',
  );
  sameBytes(await bench.read('g'), data);
  assert.deepEqual(await bench.listing('b'), ['g']);
});

test('R3 Metadata arriving during the deferred NAK procedure does not reset the receiver', async () => {
  // Metadata and the second segment are lost, and so is the first retransmission of that
  // segment: the Metadata arrives in the middle of the NAK procedure.
  const NAK_MS = 800;
  const bench = new Bench({
    seed: 503,
    link: { delayMs: 100 },
    remote: { nakMode: 'deferred', nakTimerMs: NAK_MS },
  })
    .drop('a', 'metadata', [1])
    .dropWhen('a', (w) => w.pdu?.kind === 'fileData' && w.pdu.offset === 1024 && w.nth <= 11);
  const data = await bench.file('f', 10_000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  const { a, b } = await bench.settle();
  const naks = bench.sent('b', 'nak');
  assert.equal(naks.length, 2);
  assert.deepEqual(requests(naks[0]!.pdu), [
    [0, 0],
    [1024, 2048],
  ]);
  assert.equal(naks[1]!.t - naks[0]!.t, NAK_MS, 'the NAK timer kept running');
  assert.deepEqual(
    requests(naks[1]!.pdu),
    [[1024, 2048]],
    'after the Metadata only the missing segment is asked for: nothing received was forgotten',
  );
  assert.equal(bench.sent('a', 'fd').length, 12, '10 segments and the lost one twice');
  assert.equal(bench.sent('a', 'eof').length, 1, 'the EOF was not forgotten either');
  assert.equal(bench.ind('b', 'metadataRecv').length, 1);
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
});

async function suspendedReceiver(
  seed: number,
  gap: boolean,
): Promise<{ bench: Bench; data: Uint8Array; rxId: TransactionId; eofAt: number }> {
  // Deferred NAKs, so that a lost segment is still missing when the receiver is suspended.
  const bench = new Bench({ seed, link: { delayMs: 100 }, remote: { nakMode: 'deferred' } });
  // Without a gap: the first EOF is lost, its repeat (at 1000) reaches the suspended receiver.
  // With a gap: the second segment is lost as well.
  bench.drop('a', 'eof', [1]);
  if (gap) bench.drop('a', 'fd', [2]);
  const data = await bench.file('f', 10_000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await bench.runTo(500);
  const rxId = bench.ind('b', 'metadataRecv')[0]!.e.transactionId as TransactionId;
  bench.b.suspend(rxId);
  assert.equal(bench.b.report(rxId).state, 'suspended');
  await bench.runTo(3000);
  const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
  assert.equal(eofAt, 1100, 'the EOF arrived while suspended');
  return { bench, data, rxId, eofAt };
}

test('R4a EOF received while suspended, nothing missing: no Finished until resumed', async () => {
  const { bench, data, rxId } = await suspendedReceiver(504, false);
  assert.equal(bench.sent('b', 'finished').length, 0, 'no Finished while suspended');
  assert.equal(bench.outcomes.b.length, 0, 'not finished while suspended');
  assert.equal(bench.b.report(rxId).state, 'suspended');
  bench.b.resume(rxId);
  const { a, b } = await bench.settle();
  assert.ok(bench.sent('b', 'finished')[0]!.t >= 3000);
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
});

test('R4b EOF received while suspended, a segment missing: no NAK until resumed, then recovery', async () => {
  const { bench, data, rxId } = await suspendedReceiver(505, true);
  assert.equal(
    bench.sent('b', 'nak').filter((w) => w.t < 3000).length,
    0,
    'no NAK while suspended',
  );
  assert.equal(bench.sent('b', 'finished').length, 0);
  bench.b.resume(rxId);
  const { a, b } = await bench.settle();
  const afterResume = bench.sent('b', 'nak').filter((w) => w.t >= 3000);
  assert.equal(afterResume[0]!.t, 3000, 'the NAK goes out on resumption');
  assert.deepEqual(requests(afterResume[0]!.pdu), [[1024, 2048]]);
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
});

test('R4c EOF received while suspended: the transfer still completes after Resume', async () => {
  // The outcome alone (whatever happens while suspended): after resumption the file is whole.
  for (const gap of [false, true]) {
    const { bench, data, rxId } = await suspendedReceiver(506, gap);
    if (bench.outcomes.b.length === 0) bench.b.resume(rxId);
    const { a, b } = await bench.settle();
    assert.equal(finished(a).conditionCode, 0, `gap ${gap}`);
    assert.equal(finished(b).conditionCode, 0, `gap ${gap}`);
    sameBytes(await bench.read('g'), data);
    assert.ok(
      bench.sent('b', 'ack-eof').length >= 1 &&
        bench.sent('b', 'ack-eof').every((w) => w.t >= 1100),
    );
  }
});

test('R5 resume with no known gaps: no NAK, no empty NAK, the transfer completes', async () => {
  const bench = new Bench({
    seed: 507,
    link: { delayMs: 100 },
    remote: { sendRateBytesPerSecond: 4096 },
  });
  const data = await bench.file('f', 16 * 1024);
  const id = await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await bench.runTo(1000);
  bench.a.suspend(id);
  await bench.runTo(1200); // what was in flight has landed
  const rxId = bench.ind('b', 'metadataRecv')[0]!.e.transactionId as TransactionId;
  const got = bench.b.report(rxId).progress;
  assert.ok(got > 0 && got < 16 * 1024);
  bench.b.suspend(rxId);
  await bench.runTo(5000);
  bench.b.resume(rxId);
  await bench.runTo(6000);
  assert.equal(bench.sent('b').filter((w) => w.t >= 5000).length, 0, 'nothing to ask for');
  assert.equal(bench.ind('b', 'resumed').length, 1);
  assert.equal(bench.ind('b', 'resumed')[0]!.e.progress, got);
  bench.a.resume(id);
  const { a, b } = await bench.settle();
  assert.equal(bench.sent('b', 'nak').length, 0, 'no NAK at all: nothing was lost');
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
  assert.deepEqual(
    bench.names('b').filter((n) => n === 'suspended' || n === 'resumed'),
    ['suspended', 'resumed'],
  );
});

for (const [crc, largeFile] of [
  [false, false],
  [true, true],
] as const) {
  test(`R6 NAKs larger than the maximum PDU size are split (CRC ${crc}, large file ${largeFile})`, async () => {
    const MAX = 64;
    const SEG = 24;
    const N = 200;
    const bench = new Bench({
      seed: 508,
      link: { delayMs: 50 },
      remote: { nakMode: 'deferred', crc, maxPduLength: MAX, maxFileSegmentLength: SEG },
    }).dropWhen('a', (w) => w.label === 'fd' && w.nth <= N && w.nth % 2 === 1);
    const data = await bench.file('f', SEG * N);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g', crc, largeFile });
    const { a, b } = await bench.settle();
    assert.equal(finished(a).conditionCode, 0);
    assert.equal(finished(b).conditionCode, 0);
    sameBytes(await bench.read('g'), data);
    for (const w of bench.wire)
      assert.ok(w.bytes.length <= MAX, `${w.from} ${w.label} of ${w.bytes.length} octets`);
    const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
    const burst = bench.sent('b', 'nak').filter((w) => w.t === eofAt);
    assert.ok(burst.length > 10, `split into ${burst.length} NAK PDUs`);
    const all: [number, number][] = [];
    for (const w of burst) {
      const p = w.pdu as Extract<Pdu, { kind: 'nak' }>;
      assert.equal(p.header.crcFlag, crc);
      assert.equal(p.header.largeFileFlag, largeFile);
      for (const [s, e] of requests(p)) {
        assert.ok(Number(p.startOfScope) <= s && e <= Number(p.endOfScope), 'within scope');
        all.push([s, e]);
      }
    }
    const want: [number, number][] = [];
    for (let k = 0; k < N; k += 2) want.push([k * SEG, (k + 1) * SEG]);
    assert.equal(all.length, want.length, 'every gap requested once');
    assert.deepEqual(merge(all), want, 'together the NAKs cover exactly the gaps');
  });
}

/** A paced transfer with a forging node; `inject` runs at `at` ms. */
async function oversize(
  seed: number,
  cls: 1 | 2,
  inject: (bench: Bench, forge: (b: Uint8Array) => Promise<void>) => Promise<void>,
  at = 300,
  setup?: (bench: Bench) => void,
): Promise<Bench> {
  const bench = new Bench({ seed, remote: { sendRateBytesPerSecond: 4096 } });
  setup?.(bench);
  await bench.file('f', 16 * 1024);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g', transmissionClass: cls });
  await bench.runTo(at);
  const forge = bench.forger();
  await inject(bench, (b) => forge('b', b));
  await bench.settle();
  return bench;
}

function forgedFd(bench: Bench, offset: number, length: number): Uint8Array {
  const p = decodePdu(bench.sent('a', 'fd')[0]!.bytes) as Fd;
  return encodePdu({ ...p, offset, data: new Uint8Array(length).fill(0xee) });
}

function expectSizeError(bench: Bench, cls: 1 | 2, incomplete = true): void {
  const b = finished(bench.outcomes.b[0]!);
  assert.equal(b.conditionCode, ConditionCode.FILE_SIZE_ERROR);
  assert.equal(b.fileStatus, FileStatus.DISCARDED_DELIBERATELY);
  if (incomplete) assert.equal(b.deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  if (cls === 2) {
    const fin = bench.sent('b', 'finished')[0]!.pdu as Fin;
    assert.equal(fin.conditionCode, ConditionCode.FILE_SIZE_ERROR);
    assert.equal(fin.faultLocation?.entityId, 2n);
    assert.equal(finished(bench.outcomes.a[0]!).conditionCode, ConditionCode.FILE_SIZE_ERROR);
  } else {
    assert.equal(bench.sent('b').length, 0, 'Class 1 without closure: nothing sent back');
  }
}

test('R7a file data beyond the declared size: condition code 6 (file-size error)', async () => {
  const bench = await oversize(509, 2, (bench, forge) => forge(forgedFd(bench, 16 * 1024, 100)));
  expectSizeError(bench, 2);
  const finAt = bench.sent('b', 'finished')[0]!.t;
  assert.equal(finAt, 300, 'at once');
  assert.ok(
    bench.sent('a', 'fd').every((w) => w.t <= finAt),
    'the sender stops',
  );
  assert.deepEqual(await bench.listing('b'), []);
});

test('R7b a segment straddling the declared end: condition code 6', async () => {
  const bench = await oversize(510, 2, (bench, forge) =>
    forge(forgedFd(bench, 16 * 1024 - 10, 20)),
  );
  expectSizeError(bench, 2);
  assert.deepEqual(await bench.listing('b'), []);
});

test('R7c file data beyond the size, arriving before the Metadata: condition code 6', async () => {
  const bench = await oversize(
    511,
    2,
    async (bench, forge) => {
      assert.equal(bench.ind('b', 'metadataRecv').length, 0);
      await forge(forgedFd(bench, 20_000, 100));
    },
    0,
    (bench) => {
      bench.drop('a', 'metadata', [1]);
      // Hold back the sender's own file data until the forged segment is in.
      bench.dropWhen('a', (w) => w.label === 'fd' && w.t === 0 && w.nth === 1);
    },
  );
  expectSizeError(bench, 2);
  assert.deepEqual(await bench.listing('b'), []);
});

test('R7d an EOF declaring fewer octets than were received: condition code 6', async () => {
  const bench = new Bench({ seed: 512 }).drop('a', 'eof', [1]);
  await bench.file('f', 8000);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  await bench.runTo(10);
  const eof = decodePdu(bench.sent('a', 'eof')[0]!.bytes) as Eof;
  await bench.forger()('b', encodePdu({ ...eof, fileSize: 7000 }));
  await bench.settle();
  // Every octet the Metadata announced did arrive, so the delivery code is not checked here.
  expectSizeError(bench, 2, false);
  assert.equal(bench.sent('b', 'finished')[0]!.t, 10, 'at the EOF');
  assert.deepEqual(await bench.listing('b'), []);
});

test('R7e Class 1: file data beyond the declared size ends the receiver with code 6', async () => {
  const bench = await oversize(513, 1, (bench, forge) => forge(forgedFd(bench, 16 * 1024, 1)));
  expectSizeError(bench, 1);
  assert.deepEqual(await bench.listing('b'), []);
});

for (const [variant, nth, dropFirst] of [
  ['R8a the last File Data PDU', 10, false],
  ['R8b a retransmitted File Data PDU (its successor already in)', 11, true],
] as const) {
  test(`${variant} with its CRC flag cleared in transit is not taken as file data`, async () => {
    // With crc: true in the MIB, a PDU without CRC is corrupt; decoded anyway, its two CRC
    // octets become two more octets of file data.
    const bench = new Bench({ seed: 514, link: { delayMs: 20 }, remote: { crc: true } });
    const forge = bench.forger('flipper');
    let flipped = 0;
    if (dropFirst) bench.drop('a', 'fd', [3]);
    bench.dropWhen('a', (w) => {
      if (w.label !== 'fd' || w.nth !== nth) return false;
      const bad = w.bytes.slice();
      bad[0] = bad[0]! & ~0x02; // the CRC flag
      flipped++;
      void forge('b', bad);
      return true;
    });
    const data = await bench.file('f', 10_000);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g', crc: true });
    const { a, b } = await bench.settle();
    assert.equal(flipped, 1);
    assert.equal(finished(b).conditionCode, 0);
    assert.equal(finished(a).conditionCode, 0);
    sameBytes(await bench.read('g'), data);
  });
}

test('R9 immediate NAKs while the Metadata is missing: each gap is asked for once, not per segment', async () => {
  // 10 s each way; the Metadata and the fifth segment are lost. 45 segments arrive after the
  // gap before the Metadata comes again, 20 s later.
  const bench = new Bench({
    seed: 515,
    link: { delayMs: 10_000 },
    remote: { ackTimerMs: 60_000, nakTimerMs: 60_000 },
  })
    .drop('a', 'metadata', [1])
    .drop('a', 'fd', [5]);
  const data = await bench.file('f', 50 * 1024);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g' });
  const { a, b } = await bench.settle();
  assert.equal(finished(a).conditionCode, 0);
  assert.equal(finished(b).conditionCode, 0);
  sameBytes(await bench.read('g'), data);
  const again = bench.sent('a', 'fd').filter((w) => w.nth > 50).length;
  assert.ok(again <= 2, `the lost segment was sent again ${again} times`);
  assert.ok(
    bench.sent('a', 'metadata').length <= 3,
    `Metadata sent ${bench.sent('a', 'metadata').length} times`,
  );
});
