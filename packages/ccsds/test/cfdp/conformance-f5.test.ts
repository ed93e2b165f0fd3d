/**
 * Conformance series F5 (after CCSDS 720.4-Y-1, extended to 727.0-B-5 §6.2): the three-party
 * proxy put. Entity 1 asks entity 2 to send one of its files to entity 3; 2 sends it with an
 * Originating Transaction ID naming 1's request and, once that transfer has ended, answers 1 with
 * a Proxy Put Response. Checked on the wire (1 and 3 never talk), on the filestores and in the
 * answers, on clean and lossy links, with the proxy options, when the proxied transfer fails, and
 * when 1 cancels it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionCode,
  DeliveryCode,
  FileStatus,
  type Pdu,
  TransmissionMode,
  transactionKey,
} from 'ccsds/cfdp';
import { FilestoreAction as A } from 'ccsds/filestore';
import { sameBytes } from './conformance-support.js';
import { readAll, runUntil, runUntilTime, writeRandomFile } from './sim.js';
import {
  type WireTransaction,
  readText,
  settle,
  simNet,
  wireTransactions,
  writeText,
} from './remote-sim.js';

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}` : x));

function originOf(t: WireTransaction): string | undefined {
  const o = t.messages.find((m) => m.kind === 'originatingTransactionId');
  return o?.kind === 'originatingTransactionId'
    ? `${o.sourceEntityId}:${o.transactionSequenceNumber}`
    : undefined;
}

const LOSSY = { delayMs: 150, jitterMs: 50, loss: 0.1, duplicate: 0.02 };

test('F5.1 three-party proxy put on clean links: request 1->2, file 2->3, response 2->1, exact exchange', async () => {
  const s = simNet({ seed: 501, grants: { '2': { '1': ['proxy-put'] } } });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  const data = await writeRandomFile(b.fs, 'report.bin', 12_345, 5);
  const r = await settle(s.clock, a.ops.proxyPut(2, 3, 'report.bin', 'from-2.bin'));
  await runUntil(s.clock, () => false);
  assert.equal(r.ok, true, json(r));
  assert.equal(r.conditionCode, ConditionCode.NO_ERROR);
  assert.equal(r.deliveryCode, DeliveryCode.DATA_COMPLETE);
  assert.equal(r.fileStatus, FileStatus.RETAINED);
  assert.equal(r.fileTransaction, undefined);
  sameBytes(await readAll(c.fs, 'from-2.bin'), data);
  assert.equal(await a.fs.stat('from-2.bin'), undefined);

  // 1 and 3 never exchange a PDU.
  assert.ok(!s.wire.some((w) => (w.from === 1n && w.to === 3n) || (w.from === 3n && w.to === 1n)));
  const txs = wireTransactions(s);
  assert.equal(txs.length, 3);
  const [req, file, resp] = txs as [WireTransaction, WireTransaction, WireTransaction];
  assert.deepEqual(
    [req.from, req.to, file.from, file.to, resp.from, resp.to],
    [1n, 2n, 2n, 3n, 2n, 1n],
  );
  assert.equal(req.key, transactionKey(r.requestId));
  assert.deepEqual(req.messages, [
    {
      kind: 'proxyPutRequest',
      destinationEntityId: 3n,
      destinationEntityIdLength: 1,
      sourceFileName: 'report.bin',
      destinationFileName: 'from-2.bin',
    },
  ]);
  assert.equal(originOf(file), req.key, 'the file names the request');
  assert.equal(file.metadata.sourceFileName, 'report.bin');
  assert.equal(file.metadata.destinationFileName, 'from-2.bin');
  assert.equal(Number(file.metadata.fileSize), data.length);
  assert.deepEqual(
    resp.messages.map((m) => m.kind),
    ['proxyPutResponse', 'originatingTransactionId'],
  );
  assert.equal(originOf(resp), req.key);
  // Order: the file after the request arrived at 2, the response after 3's Finished.
  assert.ok(file.at > req.at);
  assert.ok(file.finishedAt !== undefined && resp.at > file.finishedAt);
  // 3 acknowledged nothing to 1 and saw the request's ID in the Metadata it got.
  const atC = c.sent.filter((p) => p.kind === 'finished');
  assert.equal(atC.length, 1);
});

test('F5.2 three-party proxy put through 10% loss, duplication and reordering on both links: Class 2 and Class 1 with closure, 4 seeds each', async () => {
  for (const proxyTransmissionClass of [2, 1] as const) {
    for (let seed = 0; seed < 4; seed++) {
      const what = `class ${proxyTransmissionClass} seed ${seed}`;
      const s = simNet({
        seed: 520 + seed,
        grants: { '2': { '1': ['proxy-put'] } },
        link: LOSSY,
        remote: { nakLimit: 50, ackLimit: 50 },
      });
      // Class 1 cannot recover lost data: its 2 -> 3 direction is clean; everything else is lossy.
      if (proxyTransmissionClass === 1) s.net.setChannel('e2', 'e3', { delayMs: 150 });
      const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
      const data = await writeRandomFile(b.fs, 'f.bin', 1000 + seed * 23_456, seed);
      const r = await settle(
        s.clock,
        a.ops.proxyPut(2, 3, 'f.bin', 'g.bin', {
          proxyTransmissionClass,
          closureRequested: true,
          transmissionClass: 2,
        }),
      );
      assert.equal(r.ok, true, `${what}: ${json(r)}`);
      sameBytes(await readAll(c.fs, 'g.bin'), data, what);
      const file = wireTransactions(s).find((t) => t.from === 2n && t.to === 3n)!;
      assert.equal(
        file.metadata.header.transmissionMode,
        proxyTransmissionClass === 2
          ? TransmissionMode.ACKNOWLEDGED
          : TransmissionMode.UNACKNOWLEDGED,
        what,
      );
      if (proxyTransmissionClass === 1) assert.equal(file.metadata.closureRequested, true, what);
      assert.equal(originOf(file), transactionKey(r.requestId), what);
    }
  }
});

test('F5.3 proxy options reach the transfer to 3: proxy message to user, proxy filestore requests executed at 3, their responses relayed to 1', async () => {
  const s = simNet({
    seed: 530,
    grants: { '2': { '1': ['proxy-put'] }, '3': { '2': ['filestore'] } },
    link: LOSSY,
    remote: { nakLimit: 50, ackLimit: 50 },
  });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  await writeText(b.fs, 'log.txt', 'log line\n');
  await writeText(c.fs, 'old.txt', 'old');
  const note = new TextEncoder().encode('note for entity 3');
  const atC: Uint8Array[] = [];
  c.entity.events.on('metadataRecv', (e) => atC.push(...e.messagesToUser));
  const requests = [
    { actionCode: A.CREATE_DIRECTORY, firstFileName: 'logs' },
    { actionCode: A.RENAME_FILE, firstFileName: 'log.tmp', secondFileName: 'logs/log.txt' },
    { actionCode: A.DELETE_FILE, firstFileName: 'old.txt' },
  ];
  const r = await settle(
    s.clock,
    a.ops.proxyPut(2, 3, 'log.txt', 'log.tmp', {
      messagesToUser: [note],
      filestoreRequests: requests,
    }),
  );
  assert.equal(r.ok, true, json(r));
  assert.deepEqual(
    r.filestoreResponses.map((f) => [f.actionCode, f.statusCode, f.firstFileName]),
    requests.map((q) => [q.actionCode, 0, q.firstFileName]),
  );
  assert.equal(await readText(c.fs, 'logs/log.txt'), 'log line\n');
  assert.equal(await c.fs.stat('old.txt'), undefined);
  assert.equal(await b.fs.stat('logs'), undefined, 'executed at 3, not at 2');
  assert.ok(
    atC.some((m) => Buffer.compare(m, note) === 0),
    'the proxied message to user',
  );
  const file = wireTransactions(s).find((t) => t.from === 2n && t.to === 3n)!;
  assert.deepEqual(
    file.metadata.options.flatMap((o) =>
      o.kind === 'filestoreRequest' ? [[o.actionCode, o.firstFileName]] : [],
    ),
    requests.map((q) => [q.actionCode, q.firstFileName]),
  );
  const resp = wireTransactions(s).find((t) => t.from === 2n && t.to === 1n)!;
  assert.deepEqual(
    resp.messages.map((m) => m.kind),
    [
      'proxyPutResponse',
      'proxyFilestoreResponse',
      'proxyFilestoreResponse',
      'proxyFilestoreResponse',
      'originatingTransactionId',
    ],
  );
});

test('F5.4 3 refuses a proxy filestore request: the file arrives, 1 learns the refusal and filestore rejection', async () => {
  const s = simNet({ seed: 540, grants: { '2': { '1': ['proxy-put'] } } });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  const data = await writeRandomFile(b.fs, 'f.bin', 4000, 2);
  await writeText(c.fs, 'precious.txt', 'keep');
  const r = await settle(
    s.clock,
    a.ops.proxyPut(2, 3, 'f.bin', 'g.bin', {
      filestoreRequests: [
        { actionCode: A.DELETE_FILE, firstFileName: 'precious.txt' },
        { actionCode: A.CREATE_DIRECTORY, firstFileName: 'later' },
      ],
    }),
  );
  assert.equal(r.ok, false);
  assert.equal(r.conditionCode, ConditionCode.FILESTORE_REJECTION);
  assert.deepEqual(
    r.filestoreResponses.map((f) => [f.actionCode, f.statusCode]),
    [
      [A.DELETE_FILE, 2],
      [A.CREATE_DIRECTORY, 15],
    ],
  );
  sameBytes(await readAll(c.fs, 'g.bin'), data);
  assert.equal(await readText(c.fs, 'precious.txt'), 'keep');
  assert.equal(await c.fs.stat('later'), undefined);
});

test('F5.5 the link from 2 to 3 is down: 2 gives up at its ACK limit and 1 learns that condition code', async () => {
  const s = simNet({
    seed: 550,
    grants: { '2': { '1': ['proxy-put'] } },
    remote: { ackLimit: 3, ackTimerMs: 500, inactivityTimerMs: 600_000 },
  });
  s.net.setChannel('e2', 'e3', { outages: [[0, 1e12]] });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  await writeRandomFile(b.fs, 'f.bin', 3000, 3);
  const r = await settle(s.clock, a.ops.proxyPut(2, 3, 'f.bin', 'g.bin'));
  assert.equal(r.ok, false);
  assert.equal(r.conditionCode, ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
  assert.equal(r.deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  assert.equal(await c.fs.stat('g.bin'), undefined);
});

test('F5.6 refused or impossible proxy puts: not granted, unknown destination, missing file — failure responses, no transfer', async () => {
  const cases = [
    { grants: {}, dest: 3, file: 'f.bin' },
    { grants: { '2': { '1': ['proxy-put'] } }, dest: 9, file: 'f.bin' },
    { grants: { '2': { '1': ['proxy-put'] } }, dest: 3, file: 'missing.bin' },
  ];
  for (const k of cases) {
    const s = simNet({ seed: 560, grants: k.grants });
    await writeRandomFile(s.node(2).fs, 'f.bin', 1000);
    const r = await settle(s.clock, s.node(1).ops.proxyPut(2, k.dest, k.file, 'g.bin'));
    await runUntil(s.clock, () => false);
    assert.equal(r.ok, false, json(k));
    assert.equal(r.conditionCode, ConditionCode.FILESTORE_REJECTION, json(k));
    assert.equal(r.fileStatus, FileStatus.DISCARDED_FILESTORE_REJECTION, json(k));
    assert.ok(!s.wire.some((w) => w.from === 2n && w.to === 3n), `${json(k)}: nothing sent to 3`);
  }
});

test('F5.7 proxy put cancel: 1 cancels while 2 is sending to 3; the transfer ends with cancel and the response says so', async () => {
  const s = simNet({
    seed: 570,
    grants: { '2': { '1': ['proxy-put'] } },
    remote: { sendRateBytesPerSecond: 20_000 },
  });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  await writeRandomFile(b.fs, 'big.bin', 400_000, 7);
  let requestId: ReturnType<typeof transactionKey> | undefined;
  let id: Parameters<typeof a.ops.cancelProxyPut>[1] | undefined;
  const p = a.ops.proxyPut(2, 3, 'big.bin', 'big.bin', {
    onRequest: (x) => {
      id = x;
      requestId = transactionKey(x);
    },
  });
  // Let the transfer to 3 get going, then cancel it.
  await runUntilTime(s.clock, 3000);
  const fdTo3 = s.wire.filter((w) => w.from === 2n && w.to === 3n && w.pdu.kind === 'fileData');
  assert.ok(fdTo3.length > 10, 'the proxied transfer is under way');
  assert.ok(id !== undefined && requestId !== undefined);
  await a.ops.cancelProxyPut(2, id);
  const r = await settle(s.clock, p);
  assert.equal(r.ok, false);
  assert.equal(r.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(r.deliveryCode, DeliveryCode.DATA_INCOMPLETE);
  assert.equal(await c.fs.stat('big.bin'), undefined, 'nothing delivered at 3');
  const cancelTx = wireTransactions(s).find(
    (t) => t.from === 1n && t.messages.some((m) => m.kind === 'proxyPutCancel'),
  )!;
  assert.equal(originOf(cancelTx), requestId, 'the cancel names the original request');
  const eof = s.wire.find((w) => w.from === 2n && w.to === 3n && w.pdu.kind === 'eof')!
    .pdu as Extract<Pdu, { kind: 'eof' }>;
  assert.equal(eof.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  const sentAfter = s.wire.filter((w) => w.from === 2n && w.to === 3n && w.pdu.kind === 'fileData');
  assert.ok(sentAfter.length < 400, 'stopped well before the whole file');
});
