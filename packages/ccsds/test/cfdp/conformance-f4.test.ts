/**
 * Conformance series F4 (after CCSDS 720.4-Y-1): each lost segment detection (NAK) mode —
 * immediate, deferred, prompted, asynchronous — alone with one known loss, then combined with
 * options (PDU CRC, checksum types, segment sizes, large file flag) under random loss, and
 * Class 1 with and without closure across the same options.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConditionCode, FileChecksum, FileStatus, NakMode, type Pdu } from 'ccsds/cfdp';
import { Bench, finished, requests, sameBytes } from './conformance-support.js';

const MODES = [NakMode.IMMEDIATE, NakMode.DEFERRED, NakMode.PROMPTED, NakMode.ASYNCHRONOUS];

function checksumOf(type: number, data: Uint8Array): number {
  const c = new FileChecksum(type);
  c.update(0, data);
  return c.digest();
}

/** One lost segment (the second) in a paced 16 KiB transfer, 100 ms each way. */
async function oneLoss(nakMode: NakMode): Promise<{ bench: Bench; data: Uint8Array }> {
  const bench = new Bench({
    seed: 401,
    link: { delayMs: 100 },
    remote: {
      nakMode,
      sendRateBytesPerSecond: 4096,
      ackTimerMs: 1500,
      nakTimerMs: 1500,
      promptIntervalMs: 400,
      asynchronousNakIntervalMs: 700,
    },
  }).drop('a', 'fd', [2]);
  const data = await bench.file('f', 16 * 1024);
  await bench.put({ sourceFileName: 'f', destinationFileName: 'g', segmentLength: 1024 });
  const { a, b } = await bench.settle();
  assert.equal(finished(a).conditionCode, 0, nakMode);
  assert.equal(finished(b).conditionCode, 0, nakMode);
  sameBytes(await bench.read('g'), data, nakMode);
  assert.ok(await bench.drain());
  // Whatever the mode, the lost segment is asked for and nothing else.
  const naks = bench.sent('b', 'nak');
  assert.ok(naks.length >= 1, `${nakMode}: at least one NAK`);
  for (const w of naks) assert.deepEqual(requests(w.pdu), [[1024, 2048]], nakMode);
  return { bench, data };
}

test('F4.1 immediate: the NAK goes out as soon as the gap is seen, long before the EOF', async () => {
  const { bench } = await oneLoss(NakMode.IMMEDIATE);
  const fd3 = bench.arrivals.find(
    (r) => r.to === 'b' && r.pdu?.kind === 'fileData' && r.pdu.offset === 2048,
  )!;
  const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
  const first = bench.sent('b', 'nak')[0]!;
  assert.equal(first.t, fd3.t, 'NAK when the segment after the gap arrives');
  assert.ok(eofAt - first.t > 1000);
  assert.equal(bench.sent('a', 'prompt').length, 0);
});

test('F4.2 deferred: no NAK before the EOF, then one NAK with the exact gap', async () => {
  const { bench } = await oneLoss(NakMode.DEFERRED);
  const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
  const naks = bench.sent('b', 'nak');
  assert.equal(naks.length, 1);
  assert.equal(naks[0]!.t, eofAt);
  const nak = naks[0]!.pdu as Extract<Pdu, { kind: 'nak' }>;
  assert.equal(Number(nak.startOfScope), 0);
  assert.equal(Number(nak.endOfScope), 16 * 1024);
  assert.equal(bench.sent('a', 'prompt').length, 0);
});

test('F4.3 prompted: NAKs only in answer to Prompt(NAK) or the EOF (itself a prompt), prompts only after the EOF', async () => {
  const { bench } = await oneLoss(NakMode.PROMPTED);
  const eofSent = bench.sent('a', 'eof')[0]!.t;
  const prompts = bench.sent('a', 'prompt');
  assert.ok(prompts.length >= 1);
  assert.ok(prompts.every((w) => w.t > eofSent));
  for (const w of prompts)
    assert.equal((w.pdu as Extract<Pdu, { kind: 'prompt' }>).responseRequired, 0, 'Prompt(NAK)');
  const promptArrivals = bench.arrivals.filter(
    (r) => r.to === 'b' && (r.label === 'prompt' || r.label === 'eof'),
  );
  for (const w of bench.sent('b', 'nak'))
    assert.ok(
      promptArrivals.some((p) => p.t === w.t),
      `NAK at ${w.t} answers a prompt (or the EOF) that arrived then`,
    );
  assert.ok(bench.sent('a', 'prompt').at(-1)!.t <= bench.outcomes.a[0]!.t, 'prompts stop');
});

test('F4.3b prompted: the EOF counts as a prompt (720.1-G-3 2.6.3.1), a gap is NAKed at once', async () => {
  const { bench } = await oneLoss(NakMode.PROMPTED);
  const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
  assert.equal(bench.sent('b', 'nak')[0]!.t, eofAt);
});

test('F4.4 asynchronous: NAKs on the periodic timer, before the EOF', async () => {
  const { bench } = await oneLoss(NakMode.ASYNCHRONOUS);
  const start = bench.arrivals.find((r) => r.to === 'b')!.t;
  const eofAt = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')!.t;
  const naks = bench.sent('b', 'nak');
  const before = naks.filter((w) => w.t < eofAt);
  assert.ok(before.length >= 1, 'a periodic NAK before the EOF');
  assert.equal(before[0]!.t, start + 700, 'the first one a full interval after the start');
  for (const w of before) assert.equal((w.t - start) % 700, 0, `NAK at ${w.t} on the 700 ms tick`);
  assert.equal(bench.sent('a', 'prompt').length, 0);
});

interface Combo {
  crc: boolean;
  checksumType: number;
  segmentLength: number;
  largeFile: boolean;
  size: number;
}

const COMBOS: Combo[] = [
  { crc: true, checksumType: 0, segmentLength: 512, largeFile: false, size: 20_000 },
  { crc: false, checksumType: 1, segmentLength: 1024, largeFile: true, size: 30_001 },
  { crc: true, checksumType: 2, segmentLength: 100, largeFile: true, size: 9_999 },
  { crc: false, checksumType: 3, segmentLength: 4000, largeFile: false, size: 40_000 },
  { crc: true, checksumType: 15, segmentLength: 1, largeFile: false, size: 700 },
  { crc: true, checksumType: 3, segmentLength: 8000, largeFile: true, size: 0 },
];

function checkWire(bench: Bench, c: Combo, data: Uint8Array, what: string): void {
  for (const w of bench.wire) {
    assert.ok(w.pdu !== undefined, `${what}: every PDU decodes`);
    assert.equal(w.pdu.header.crcFlag, c.crc, `${what}: CRC flag on ${w.from} ${w.label}`);
    assert.equal(w.pdu.header.largeFileFlag, c.largeFile, `${what}: large file flag`);
  }
  const md = bench.sent('a', 'metadata')[0]!.pdu as Extract<Pdu, { kind: 'metadata' }>;
  assert.equal(md.checksumType, c.checksumType, what);
  assert.equal(Number(md.fileSize), c.size);
  for (const w of bench.sent('a', 'fd')) {
    const p = w.pdu as Extract<Pdu, { kind: 'fileData' }>;
    assert.ok(p.data.length >= 1 && p.data.length <= c.segmentLength, `${what}: segment size`);
    const o = Number(p.offset);
    assert.equal(
      Buffer.compare(p.data, data.subarray(o, o + p.data.length)),
      0,
      `${what}: segment content`,
    );
  }
  for (const w of bench.sent('a', 'eof')) {
    const eof = w.pdu as Extract<Pdu, { kind: 'eof' }>;
    assert.equal(eof.fileChecksum, checksumOf(c.checksumType, data), `${what}: EOF checksum`);
    assert.equal(Number(eof.fileSize), c.size);
  }
}

for (const nakMode of MODES) {
  test(`F4.5 ${nakMode} NAK mode with option combinations under 10% loss, duplication, reordering`, async () => {
    let k = 0;
    for (const c of COMBOS) {
      const what = `${nakMode} ${JSON.stringify(c)}`;
      const bench = new Bench({
        seed: 450 + k++,
        link: { delayMs: 30, jitterMs: 20, loss: 0.1, duplicate: 0.02 },
        remote: {
          nakMode,
          crc: c.crc,
          ackTimerMs: 300,
          nakTimerMs: 300,
          promptIntervalMs: 150,
          asynchronousNakIntervalMs: 200,
          ackLimit: 50,
          nakLimit: 50,
        },
      });
      const data = await bench.file('f', c.size, k);
      await bench.put({
        sourceFileName: 'f',
        destinationFileName: 'g',
        crc: c.crc,
        checksumType: c.checksumType,
        segmentLength: c.segmentLength,
        largeFile: c.largeFile,
      });
      const { a, b } = await bench.settle();
      assert.equal(finished(a).conditionCode, 0, what);
      assert.equal(finished(b).conditionCode, 0, what);
      assert.equal(finished(b).fileStatus, FileStatus.RETAINED, what);
      sameBytes(await bench.read('g'), data, what);
      checkWire(bench, c, data, what);
      // The NAKs follow the mode.
      const naks = bench.sent('b', 'nak');
      const firstEof = bench.arrivals.find((r) => r.to === 'b' && r.label === 'eof')?.t ?? Infinity;
      const firstPrompt =
        bench.arrivals.find((r) => r.to === 'b' && r.label === 'prompt')?.t ?? Infinity;
      if (nakMode === NakMode.DEFERRED)
        assert.ok(
          naks.every((w) => w.t >= firstEof),
          `${what}: no NAK before EOF`,
        );
      if (nakMode === NakMode.PROMPTED)
        assert.ok(
          naks.every((w) => w.t >= Math.min(firstPrompt, firstEof)),
          `${what}: no NAK before a Prompt or the EOF (itself a prompt)`,
        );
      if (nakMode !== NakMode.PROMPTED) assert.equal(bench.sent('a', 'prompt').length, 0, what);
      for (const w of naks) {
        const p = w.pdu as Extract<Pdu, { kind: 'nak' }>;
        for (const [s, e] of requests(p)) {
          assert.ok(s <= e && e <= c.size, `${what}: request within the file`);
          assert.ok(Number(p.startOfScope) <= s && e <= Number(p.endOfScope), 'within scope');
        }
      }
      assert.ok(await bench.drain(), what);
    }
  });
}

test('F4.6 Class 1, closure on and off, every checksum type, CRC and large file flags', async () => {
  let k = 0;
  for (const closureRequested of [false, true]) {
    for (const c of COMBOS) {
      const what = `closure ${closureRequested} ${JSON.stringify(c)}`;
      const bench = new Bench({
        seed: 470 + k++,
        link: { delayMs: 30, jitterMs: 20, duplicate: 0.05 },
        remote: { crc: c.crc },
      });
      const data = await bench.file('f', c.size, k);
      await bench.put({
        sourceFileName: 'f',
        destinationFileName: 'g',
        transmissionClass: 1,
        closureRequested,
        crc: c.crc,
        checksumType: c.checksumType,
        segmentLength: c.segmentLength,
        largeFile: c.largeFile,
      });
      const { a, b } = await bench.settle();
      assert.equal(finished(b).conditionCode, ConditionCode.NO_ERROR, what);
      sameBytes(await bench.read('g'), data, what);
      checkWire(bench, c, data, what);
      assert.ok(
        bench.wire.every((w) => w.pdu!.header.transmissionMode === 1),
        what,
      );
      const md = bench.sent('a', 'metadata')[0]!.pdu as Extract<Pdu, { kind: 'metadata' }>;
      assert.equal(md.closureRequested, closureRequested, what);
      assert.deepEqual(
        [...new Set(bench.sent('b').map((w) => w.label))],
        closureRequested ? ['finished'] : [],
        what,
      );
      assert.equal(finished(a).conditionCode, 0, what);
      assert.equal(
        finished(a).fileStatus,
        closureRequested ? FileStatus.RETAINED : FileStatus.UNREPORTED,
        what,
      );
    }
  }
});
