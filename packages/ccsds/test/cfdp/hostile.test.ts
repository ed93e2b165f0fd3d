import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, SimulatedClock, toHex } from 'ccsds/core';
import { CfdpEntity, ConditionCode, decodePdu, encodePdu, makeHeader, simpleMib } from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { SimulatedNetwork } from 'ccsds/transport';
import { readAll } from './sim.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

test('10^5 Metadata PDUs with fresh transaction IDs from a hostile peer: bounded state, the legitimate transfer completes', async () => {
  const clock = new SimulatedClock({ seed: 3 });
  const net = new SimulatedNetwork(clock);
  net.setLink('good', 'rx', { delayMs: 10 });
  net.setLink('evil', 'rx', { delayMs: 10 });
  const common = {
    keepAliveIntervalMs: 0,
    ackTimerMs: 300,
    nakTimerMs: 300,
    inactivityTimerMs: 5000,
  };
  const fsGood = new MemoryFileStore();
  const fsRx = new MemoryFileStore();
  const rx = new CfdpEntity({
    mib: simpleMib(2, [
      { entityId: 1, address: 'sim://good', ...common },
      {
        entityId: 3,
        address: 'sim://evil',
        ...common,
        maxIncomingTransactions: 20,
        maxNewTransactionsPerSecond: 10,
      },
    ]),
    transport: net.node('rx'),
    filestore: fsRx,
    clock,
  });
  const good = new CfdpEntity({
    mib: simpleMib(1, [{ entityId: 2, address: 'sim://rx', ...common }]),
    transport: net.node('good'),
    filestore: fsGood,
    clock,
  });
  const evil = net.node('evil');
  const data = new SeededRandom(1).bytes(2 << 20);
  const h = await fsGood.openWrite('f');
  await h.write(0, data);
  await h.close();

  // 10^5 Metadata PDUs, each a new transaction claiming a 1 TiB-ish file, 10 per millisecond.
  let sent = 0;
  let maxOpen = 0;
  const burst = (): void => {
    for (let i = 0; i < 10 && sent < 100_000; i++, sent++) {
      const pdu = encodePdu({
        kind: 'metadata',
        header: makeHeader({
          sourceEntityId: 3n,
          destinationEntityId: 2n,
          transactionSequenceNumber: BigInt(sent),
          transactionSeqNumLength: 4,
          largeFileFlag: true,
        }),
        closureRequested: false,
        checksumType: 3,
        fileSize: 2 ** 40,
        sourceFileName: 'x',
        destinationFileName: `junk-${sent}`,
        options: [],
      });
      void evil.send('sim://rx', pdu);
    }
    maxOpen = Math.max(maxOpen, rx.list().length);
    if (sent < 100_000) clock.setTimer(1, burst);
  };
  burst();
  const heap0 = heapMiB();
  const id = await good.put({
    destinationEntityId: 2,
    sourceFileName: 'f',
    destinationFileName: 'f',
  });
  let result: number | undefined;
  void good.waitFor(id).then((r) => (result = r.conditionCode));
  await clock.runAsync({ until: () => result !== undefined && sent >= 100_000 });
  assert.equal(result, 0);
  assert.equal(toHex((await readAll(fsRx, 'f'))!), toHex(data));
  assert.equal(sent, 100_000);
  assert.ok(maxOpen <= 21, `open transactions stayed bounded (${maxOpen})`);
  assert.ok(rx.counters.refusedTransactions > 99_000, `refused ${rx.counters.refusedTransactions}`);
  const grown = heapMiB() - heap0;
  // What stays: a bounded record of ended transactions and per-peer counters, not 10^5 of anything.
  assert.ok(grown < 32, `heap grew ${grown.toFixed(1)} MiB`);
});

test('a peer that NAKs the whole file over and over: retransmission stops at the MIB bound (NAK limit reached), other transfers go on', async () => {
  const clock = new SimulatedClock({ seed: 5 });
  const net = new SimulatedNetwork(clock);
  net.setLink('tx', 'evil', { delayMs: 10 });
  net.setLink('tx', 'good', { delayMs: 10 });
  const common = {
    keepAliveIntervalMs: 0,
    ackTimerMs: 300,
    nakTimerMs: 300,
    ackLimit: 5,
    inactivityTimerMs: 60_000,
    sendRateBytesPerSecond: 200_000,
  };
  const fsTx = new MemoryFileStore();
  const fsGood = new MemoryFileStore();
  const tx = new CfdpEntity({
    mib: simpleMib(1, [
      { entityId: 2, address: 'sim://good', ...common },
      { entityId: 3, address: 'sim://evil', ...common, maxRetransmissionFactor: 3 },
    ]),
    transport: net.node('tx'),
    filestore: fsTx,
    clock,
  });
  const receiver = new CfdpEntity({
    mib: simpleMib(2, [{ entityId: 1, address: 'sim://tx', ...common }]),
    transport: net.node('good'),
    filestore: fsGood,
    clock,
  });
  // The hostile receiver: every EOF, and every File Data PDU at the end of the file, is answered
  // with a NAK asking for the whole file again (and the Metadata); it never sends Finished.
  const evil = net.node('evil');
  const size = 64 * 1024;
  let evilDataOctets = 0;
  let naks = 0;
  evil.events.on('message', (bytes) => {
    const p = decodePdu(bytes);
    if (p.kind === 'fileData') evilDataOctets += p.data.length;
    const atEnd = p.kind === 'fileData' && Number(p.offset) + p.data.length === size;
    if (p.kind !== 'eof' && !atEnd) return;
    naks++;
    void evil.send(
      'sim://tx',
      encodePdu({
        kind: 'nak',
        header: { ...p.header, pduType: 0, direction: 1 },
        startOfScope: 0,
        endOfScope: size,
        segmentRequests: [
          [0, 0],
          [0, size],
        ],
      }),
    );
  });
  const bad = new SeededRandom(2).bytes(size);
  const data = new SeededRandom(3).bytes(1 << 20);
  for (const [name, d] of [
    ['bad', bad],
    ['f', data],
  ] as const) {
    const h = await fsTx.openWrite(name);
    await h.write(0, d);
    await h.close();
  }
  const badId = await tx.put({ destinationEntityId: 3, sourceFileName: 'bad' });
  const goodId = await tx.put({ destinationEntityId: 2, sourceFileName: 'f' });
  const results = new Map<string, number>();
  void tx.waitFor(badId).then((r) => results.set('bad', r.conditionCode));
  void tx.waitFor(goodId).then((r) => results.set('good', r.conditionCode));
  await clock.runAsync({ until: () => results.size === 2 });
  assert.equal(results.get('bad'), ConditionCode.NAK_LIMIT_REACHED);
  assert.equal(results.get('good'), ConditionCode.NO_ERROR);
  assert.equal(toHex((await readAll(fsGood, 'f'))!), toHex(data));
  assert.ok(naks >= 3, `the peer NAKed the whole file ${naks} times`);
  // The original file once, then at most 3 times its size again (plus the segment in flight).
  assert.ok(
    evilDataOctets <= 4 * size + 1024,
    `${evilDataOctets} octets of file data went to the hostile peer`,
  );
  // The NAK flood ends once the transaction has: nothing more goes out to the hostile peer.
  const before = evilDataOctets;
  await clock.runAsync({ untilTime: clock.now() + 60_000 });
  assert.equal(evilDataOctets, before);
  assert.deepEqual([tx.list().length, receiver.list().length], [0, 0], 'nothing left open');
});

test('File Data PDUs decoded from the header of the one before get every check, and a near-identical header is not taken for it', async () => {
  const clock = new SimulatedClock({ seed: 5 });
  const net = new SimulatedNetwork(clock);
  net.setLink('src', 'rx', { delayMs: 1 });
  const fsRx = new MemoryFileStore();
  const rx = new CfdpEntity({
    mib: simpleMib(2, [{ entityId: 1, address: 'sim://src', crc: true, keepAliveIntervalMs: 0 }]),
    transport: net.node('rx'),
    filestore: fsRx,
    clock,
  });
  const errors: string[] = [];
  rx.events.on('pduError', (e) => errors.push(e.error.message));
  const src = net.node('src');
  const data = new SeededRandom(9).bytes(3000);
  const header = (seq: bigint, fileData: boolean) =>
    makeHeader({
      sourceEntityId: 1n,
      destinationEntityId: 2n,
      transactionSequenceNumber: seq,
      transmissionMode: 1,
      crcFlag: true,
      ...(fileData ? { pduType: 1 } : {}),
    });
  const fd = (seq: bigint, offset: number, bytes: Uint8Array) =>
    encodePdu({ kind: 'fileData', header: header(seq, true), offset, data: bytes });
  const send = async (pdu: Uint8Array) => {
    await src.send('sim://rx', pdu);
    await clock.runAsync({ untilTime: clock.now() + 5 });
  };
  await send(
    encodePdu({
      kind: 'metadata',
      header: header(1n, false),
      closureRequested: false,
      checksumType: 0,
      fileSize: data.length,
      sourceFileName: 'a',
      destinationFileName: 'a',
      options: [],
    }),
  );
  await send(fd(1n, 0, data.subarray(0, 1000)));
  assert.deepEqual(errors, []);
  // The same transaction's header, but a bad CRC, one octet missing, one octet too many.
  const bad = fd(1n, 1000, new Uint8Array(1000).fill(0xee));
  bad[bad.length - 1]! ^= 1;
  await send(bad);
  await send(fd(1n, 1000, new Uint8Array(1000).fill(0xee)).subarray(0, 1000 + 10));
  const long = new Uint8Array(fd(1n, 1000, new Uint8Array(1000)).length + 1);
  long.set(fd(1n, 1000, new Uint8Array(1000).fill(0xee)));
  await send(long);
  assert.equal(errors.length, 3, errors.join('\n'));
  assert.match(errors[0]!, /CRC/);
  // Another transaction (the sequence number differs in one octet): not written into this one.
  await send(fd(2n, 1000, new Uint8Array(1000).fill(0xee)));
  assert.equal(rx.list().length, 2, 'a second transaction');
  await send(fd(1n, 1000, data.subarray(1000, 2000)));
  await send(fd(1n, 2000, data.subarray(2000)));
  let sum = 0;
  for (let i = 0; i < data.length; i += 4)
    sum =
      (sum + ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!)) >>> 0;
  const done = new Promise<number>((r) =>
    rx.events.on('transactionFinished', (e) => {
      if (e.transactionId.sequenceNumber === 1n) r(e.conditionCode);
    }),
  );
  await send(
    encodePdu({
      kind: 'eof',
      header: header(1n, false),
      conditionCode: ConditionCode.NO_ERROR,
      fileChecksum: sum,
      fileSize: data.length,
    }),
  );
  assert.equal(await done, ConditionCode.NO_ERROR);
  const got = await readAll(fsRx, 'a');
  assert.ok(got !== undefined && Buffer.compare(got, data) === 0, 'file byte-identical');
  assert.equal(rx.counters.pduErrors, 3);
  await rx.close(0);
});

test('file data waiting for a stalled filestore is bounded in octets (4 MiB), not only in PDUs', async () => {
  const clock = new SimulatedClock({ seed: 6 });
  const net = new SimulatedNetwork(clock);
  net.setLink('src', 'rx', { delayMs: 1 });
  const store = new MemoryFileStore();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let writesStarted = 0;
  // Writes to the receiver's files hang until released: the filestore cannot keep up.
  const stalled = new Proxy(store, {
    get(target, prop) {
      if (prop === 'openWrite') {
        return async (...args: Parameters<MemoryFileStore['openWrite']>) => {
          const h = await target.openWrite(...args);
          return new Proxy(h, {
            get(ht, p) {
              if (p === 'write') {
                return async (offset: number, data: Uint8Array) => {
                  writesStarted++;
                  await gate;
                  return ht.write(offset, data);
                };
              }
              const v = Reflect.get(ht, p) as unknown;
              return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(ht) : v;
            },
          });
        };
      }
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const rx = new CfdpEntity({
    mib: simpleMib(2, [{ entityId: 1, address: 'sim://src', keepAliveIntervalMs: 0 }]),
    transport: net.node('rx'),
    filestore: stalled,
    clock,
  });
  const src = net.node('src');
  const segment = 60 * 1024;
  const count = 300; // 18 MiB
  const header = (fileData: boolean) =>
    makeHeader({
      sourceEntityId: 1n,
      destinationEntityId: 2n,
      transactionSequenceNumber: 1n,
      ...(fileData ? { pduType: 1 } : {}),
    });
  await src.send(
    'sim://rx',
    encodePdu({
      kind: 'metadata',
      header: header(false),
      closureRequested: false,
      checksumType: 15,
      fileSize: segment * count,
      sourceFileName: 'a',
      destinationFileName: 'a',
      options: [],
    }),
  );
  const data = new Uint8Array(segment).fill(7);
  for (let i = 0; i < count; i++) {
    await src.send(
      'sim://rx',
      encodePdu({ kind: 'fileData', header: header(true), offset: i * segment, data }),
    );
  }
  await clock.runAsync({ untilTime: clock.now() + 50 });
  assert.ok(writesStarted > 0, 'the receiver is writing');
  const dropped = rx.counters.fileDataDropped;
  // 4 MiB hold 68 segments of 60 KiB; a few more went into write buffers before the stall.
  const waiting = count - dropped;
  assert.ok(waiting >= 68 && waiting <= 68 + 16, `${waiting} segments kept, ${dropped} dropped`);
  release();
  await clock.runAsync({ untilTime: clock.now() + 50 });
  await rx.close(0);
});
