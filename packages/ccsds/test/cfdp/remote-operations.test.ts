import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, toHex } from 'ccsds/core';
import {
  ConditionCode,
  FaultHandlerCode,
  FileStatus,
  type MetadataPdu,
  type ReservedMessage,
  ReservedResponseCode,
  TransactionStatus,
  TransmissionMode,
  decodeReservedMessage,
  transactionKey,
} from 'ccsds/cfdp';
import { FilestoreAction } from 'ccsds/filestore';
import { readAll, runUntil, runUntilTime, writeRandomFile } from './sim.js';
import { readText, settle, simNet, writeText } from './remote-sim.js';

function reserved(values: Uint8Array[]): ReservedMessage[] {
  return values.flatMap((v) => {
    const m = decodeReservedMessage(v);
    return m === undefined ? [] : [m];
  });
}

test('get: a proxy put back to the requester delivers the file, through a lossy link', async () => {
  const s = simNet({
    seed: 11,
    grants: { '2': { '1': ['get'] } },
    link: { delayMs: 200, loss: 0.1 },
  });
  const [a, b] = [s.node(1), s.node(2)];
  await b.fs.execute(FilestoreAction.CREATE_DIRECTORY, 'data');
  const data = await writeRandomFile(b.fs, 'data/img.bin', 40_000, 3);
  await a.fs.execute(FilestoreAction.CREATE_DIRECTORY, 'in');
  const requests: string[] = [];
  b.ops.events.on('request', (e) => requests.push(`${e.operation}:${e.allowed}`));
  let requestId = '';
  const r = await settle(
    s.clock,
    a.ops.get(2, 'data/img.bin', 'in/img.bin', {
      onRequest: (id) => (requestId = transactionKey(id)),
    }),
  );
  assert.equal(r.ok, true);
  assert.equal(r.conditionCode, ConditionCode.NO_ERROR);
  assert.equal(r.fileStatus, FileStatus.RETAINED);
  assert.equal(transactionKey(r.requestId), requestId);
  assert.equal(r.fileTransaction?.conditionCode, 0);
  assert.equal(r.fileTransaction?.transactionId.sourceEntityId, 2n);
  assert.equal(toHex((await readAll(a.fs, 'in/img.bin'))!), toHex(data));
  assert.deepEqual(requests, ['get:true']);
  // The file's Metadata named our request as its originating transaction.
  const md = b.sent.find(
    (p): p is MetadataPdu => p.kind === 'metadata' && p.sourceFileName === 'data/img.bin',
  )!;
  const origin = reserved(
    md.options.flatMap((o) => (o.kind === 'messageToUser' ? [o.message] : [])),
  ).find((m) => m.kind === 'originatingTransactionId');
  assert.ok(origin?.kind === 'originatingTransactionId');
  assert.equal(`${origin.sourceEntityId}:${origin.transactionSequenceNumber}`, requestId);
});

test('three-party proxy put: entity 1 asks entity 2 to send a file to entity 3', async () => {
  const s = simNet({ seed: 12, grants: { '2': { '1': ['proxy-put'] } } });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  const data = await writeRandomFile(b.fs, 'report.bin', 5000, 4);
  const seenAt3: ReservedMessage[] = [];
  c.entity.events.on('metadataRecv', (e) => seenAt3.push(...reserved(e.messagesToUser)));
  const r = await settle(s.clock, a.ops.proxyPut(2, 3, 'report.bin', 'from-2.bin'));
  assert.equal(
    r.ok,
    true,
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)),
  );
  assert.equal(r.fileStatus, FileStatus.RETAINED);
  assert.equal(r.fileTransaction, undefined, 'the file went to entity 3, not here');
  await runUntil(s.clock, () => false);
  assert.equal(toHex((await readAll(c.fs, 'from-2.bin'))!), toHex(data));
  assert.equal(await a.fs.stat('from-2.bin'), undefined);
  const origin = seenAt3.find((m) => m.kind === 'originatingTransactionId');
  assert.ok(origin?.kind === 'originatingTransactionId');
  assert.equal(origin.sourceEntityId, 1n);
  assert.equal(origin.transactionSequenceNumber, r.requestId.sequenceNumber);
});

test('proxy put options: transmission mode, closure, segmentation control, flow label, fault handler override, messages to user and filestore requests reach the proxied transfer', async () => {
  const s = simNet({
    seed: 13,
    // Entity 3's receiver checks the Metadata's filestore requests; its grants take action codes.
    grants: { '2': { '1': ['proxy-put'] }, '3': { '2': ['filestore:2'] } },
  });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  await writeText(b.fs, 'log.txt', 'hello from 2\n');
  const userMessage = new TextEncoder().encode('for the user at 3');
  const userAt3: Uint8Array[] = [];
  c.entity.events.on('metadataRecv', (e) => userAt3.push(...e.messagesToUser));
  const r = await settle(
    s.clock,
    a.ops.proxyPut(2, 3, 'log.txt', 'log.tmp', {
      proxyTransmissionClass: 1,
      closureRequested: true,
      segmentationControl: true,
      flowLabel: new Uint8Array([7, 8, 9]),
      faultHandlerOverrides: [
        {
          conditionCode: ConditionCode.FILE_CHECKSUM_FAILURE,
          handlerCode: FaultHandlerCode.IGNORE_ERROR,
        },
      ],
      messagesToUser: [userMessage],
      filestoreRequests: [
        { actionCode: FilestoreAction.CREATE_DIRECTORY, firstFileName: 'logs' },
        {
          actionCode: FilestoreAction.RENAME_FILE,
          firstFileName: 'log.tmp',
          secondFileName: 'logs/log.txt',
        },
      ],
    }),
  );
  assert.equal(
    r.ok,
    true,
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)),
  );
  assert.deepEqual(
    r.filestoreResponses.map((f) => [f.actionCode, f.statusCode, f.firstFileName]),
    [
      [FilestoreAction.CREATE_DIRECTORY, 0, 'logs'],
      [FilestoreAction.RENAME_FILE, 0, 'log.tmp'],
    ],
  );
  assert.equal(await readText(c.fs, 'logs/log.txt'), 'hello from 2\n');
  const md = b.sent.find(
    (p): p is MetadataPdu => p.kind === 'metadata' && p.sourceFileName === 'log.txt',
  )!;
  assert.equal(md.header.transmissionMode, TransmissionMode.UNACKNOWLEDGED);
  assert.equal(md.closureRequested, true);
  assert.equal(md.header.segmentationControl, true);
  assert.deepEqual(
    md.options.filter((o) => o.kind === 'flowLabel').map((o) => [...o.flowLabel]),
    [[7, 8, 9]],
  );
  assert.deepEqual(
    md.options.flatMap((o) =>
      o.kind === 'faultHandlerOverride' ? [[o.conditionCode, o.handlerCode]] : [],
    ),
    [[ConditionCode.FILE_CHECKSUM_FAILURE, FaultHandlerCode.IGNORE_ERROR]],
  );
  assert.ok(
    userAt3.some((m) => toHex(m) === toHex(userMessage)),
    'the proxied message to user',
  );
});

test('directory listing: entries, types, sizes and times; the root hides the private folder; failures answer unsuccessful', async () => {
  const s = simNet({ seed: 14, grants: { '2': { '1': ['directory-listing'] } } });
  const [a, b] = [s.node(1), s.node(2)];
  await b.fs.execute(FilestoreAction.CREATE_DIRECTORY, 'data');
  await b.fs.execute(FilestoreAction.CREATE_DIRECTORY, 'data/sub');
  await writeText(b.fs, 'data/a.txt', 'aaaa');
  await writeText(b.fs, 'data/odd\tname %.txt', 'x');
  await writeRandomFile(b.fs, 'data/big.bin', 70_000);
  await b.fs.tempPath('x'); // makes the private folder exist
  const at = s.clock.now();
  const r = await settle(s.clock, a.ops.listDirectory(2, 'data'));
  assert.equal(r.ok, true, r.reason);
  assert.deepEqual(
    r.entries.map((e) => [e.name, e.isDirectory, e.size]),
    [
      ['a.txt', false, 4],
      ['big.bin', false, 70_000],
      ['odd\tname %.txt', false, 1],
      ['sub', true, 0],
    ],
  );
  assert.ok(r.entries.every((e) => e.modifiedMs <= at));
  assert.deepEqual(
    (await a.fs.list('.cfdp-remote')).map((e) => e.name),
    [],
    'the listing file is removed once parsed',
  );
  const root = await settle(
    s.clock,
    a.ops.listDirectory(2, '/', { keep: true, listingFile: 'root.txt' }),
  );
  assert.deepEqual(
    root.entries.map((e) => e.name),
    ['data'],
  );
  assert.match(
    (await readText(a.fs, 'root.txt'))!,
    /^# cfdp-directory-listing 1\n# directory \/\nd\t0\t/,
  );
  for (const bad of ['nope', 'data/a.txt', '../etc', '.ccsds-tmp']) {
    const f = await settle(s.clock, a.ops.listDirectory(2, bad));
    assert.equal(f.ok, false, bad);
    assert.deepEqual(f.entries, []);
  }
});

test('every proxy filestore request runs on the remote filestore and answers its status', async () => {
  const s = simNet({ seed: 15, grants: { '2': { '1': ['filestore'] } } });
  const [a, b] = [s.node(1), s.node(2)];
  await writeText(b.fs, 'one.txt', 'one;');
  await writeText(b.fs, 'two.txt', 'two;');
  const A = FilestoreAction;
  const r = await settle(
    s.clock,
    a.ops.remoteFilestore(2, [
      { actionCode: A.CREATE_FILE, firstFileName: 'new.txt' },
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'dir' },
      { actionCode: A.APPEND_FILE, firstFileName: 'one.txt', secondFileName: 'two.txt' },
      { actionCode: A.REPLACE_FILE, firstFileName: 'new.txt', secondFileName: 'one.txt' },
      { actionCode: A.RENAME_FILE, firstFileName: 'new.txt', secondFileName: 'dir/moved.txt' },
      { actionCode: A.DELETE_FILE, firstFileName: 'two.txt' },
      { actionCode: A.DENY_FILE, firstFileName: 'absent.txt' },
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'empty' },
      { actionCode: A.REMOVE_DIRECTORY, firstFileName: 'empty' },
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'empty2' },
      { actionCode: A.DENY_DIRECTORY, firstFileName: 'empty2' },
    ]),
  );
  assert.equal(r.ok, true);
  assert.equal(r.conditionCode, 0);
  assert.equal(r.filestoreResponses.length, 11);
  assert.ok(r.filestoreResponses.every((f) => f.statusCode === 0));
  assert.deepEqual(
    r.filestoreResponses.map((f) => f.actionCode),
    [0, 5, 3, 4, 2, 1, 7, 5, 6, 5, 8],
  );
  assert.equal(await readText(b.fs, 'one.txt'), 'one;two;');
  assert.equal(await readText(b.fs, 'dir/moved.txt'), 'one;two;');
  assert.equal(await b.fs.stat('two.txt'), undefined);
  assert.equal(await b.fs.stat('new.txt'), undefined);
  assert.equal(await b.fs.stat('empty'), undefined);
  assert.equal(await b.fs.stat('empty2'), undefined);
  // A failure stops the rest (status 15), and the response reports filestore rejection.
  const f = await settle(
    s.clock,
    a.ops.remoteFilestore(2, [
      { actionCode: A.DELETE_FILE, firstFileName: 'missing.txt' },
      { actionCode: A.DELETE_FILE, firstFileName: 'one.txt' },
      { actionCode: A.RENAME_FILE, firstFileName: 'one.txt', secondFileName: '../../escape' },
    ]),
  );
  assert.equal(f.ok, false);
  assert.equal(f.conditionCode, ConditionCode.FILESTORE_REJECTION);
  assert.deepEqual(
    f.filestoreResponses.map((x) => x.statusCode),
    [1, 15, 15],
  );
  assert.notEqual(await b.fs.stat('one.txt'), undefined);
  // A path out of the root is "not performed".
  const out = await settle(
    s.clock,
    a.ops.remoteFilestore(2, [{ actionCode: A.DELETE_FILE, firstFileName: '../../etc/passwd' }]),
  );
  assert.deepEqual(
    out.filestoreResponses.map((x) => x.statusCode),
    [15],
  );
});

test('policy: refused operations answer with the right response and status, and change nothing', async () => {
  const s = simNet({
    seed: 16,
    grants: { '2': { '1': ['filestore:delete-file', 'filestore:6'] } },
  });
  const [a, b] = [s.node(1), s.node(2)];
  await writeText(b.fs, 'keep.txt', 'keep');
  await writeText(b.fs, 'gone.txt', 'gone');
  const A = FilestoreAction;
  const refusedBy2: string[] = [];
  b.ops.events.on('request', (e) => {
    if (!e.allowed) refusedBy2.push(e.operation);
  });
  // Grants by name and by code; everything else destructive refused with its "not allowed" status.
  const one = async (actionCode: number, first: string, second?: string): Promise<number> => {
    const req =
      second === undefined
        ? { actionCode, firstFileName: first }
        : { actionCode, firstFileName: first, secondFileName: second };
    const r = await settle(s.clock, a.ops.remoteFilestore(2, [req]));
    return r.filestoreResponses[0]!.statusCode;
  };
  assert.equal(await one(A.RENAME_FILE, 'keep.txt', 'x.txt'), 3);
  assert.equal(await one(A.APPEND_FILE, 'keep.txt', 'gone.txt'), 3);
  assert.equal(await one(A.REPLACE_FILE, 'keep.txt', 'gone.txt'), 3);
  assert.equal(await one(A.DENY_FILE, 'keep.txt'), 2);
  assert.equal(await one(A.CREATE_FILE, 'keep.txt'), 1, 'emptying an existing file needs a grant');
  assert.equal(await readText(b.fs, 'keep.txt'), 'keep');
  assert.equal(await one(A.CREATE_FILE, 'fresh.txt'), 0, 'a new file needs none');
  assert.equal(await one(A.CREATE_DIRECTORY, 'd'), 0, 'a new directory needs none');
  assert.equal(await one(A.DENY_DIRECTORY, 'd'), 2);
  assert.equal(await one(A.REMOVE_DIRECTORY, 'd'), 0, 'granted by code 6');
  assert.equal(await one(A.DELETE_FILE, 'gone.txt'), 0, 'granted by name');
  // get, directory listing, status, suspend: not granted.
  const g = await settle(s.clock, a.ops.get(2, 'keep.txt', 'stolen.txt'));
  assert.equal(g.ok, false);
  assert.equal(g.conditionCode, ConditionCode.FILESTORE_REJECTION);
  assert.equal(g.fileStatus, FileStatus.DISCARDED_FILESTORE_REJECTION);
  assert.equal(await a.fs.stat('stolen.txt'), undefined);
  const l = await settle(s.clock, a.ops.listDirectory(2, '/'));
  assert.equal(l.ok, false);
  const someId = { sourceEntityId: 2n, sequenceNumber: 1n };
  const st = await settle(s.clock, a.ops.remoteStatus(2, someId));
  assert.deepEqual(
    [st.responseCode, st.transactionStatus],
    [ReservedResponseCode.UNSUCCESSFUL, TransactionStatus.UNDEFINED],
  );
  const su = await settle(s.clock, a.ops.remoteSuspend(2, someId));
  assert.deepEqual(
    [su.suspensionIndicator, su.transactionStatus],
    [false, TransactionStatus.UNDEFINED],
  );
  assert.deepEqual(b.ops.queuedSuspensions(), []);
  assert.deepEqual(refusedBy2, [
    'filestore:2',
    'filestore:3',
    'filestore:4',
    'filestore:7',
    'filestore:0',
    'filestore:8',
    'get',
    'directory-listing',
    'remote-status',
    'remote-suspend',
  ]);
  // Even with the grant, a path outside the root or in the private folder is refused.
  const s2 = simNet({ seed: 17, grants: { '2': { '1': ['get'] } } });
  for (const p of ['../outside', '.ccsds-tmp/partial']) {
    const r = await settle(s2.clock, s2.node(1).ops.get(2, p, 'x'));
    assert.equal(r.conditionCode, ConditionCode.FILESTORE_REJECTION, p);
  }
  // A proxy put to a third party needs 'proxy-put', not just 'get'.
  await writeText(s2.node(2).fs, 'f', 'f');
  const third = await settle(s2.clock, s2.node(1).ops.proxyPut(2, 3, 'f', 'f'));
  assert.equal(third.ok, false);
  assert.equal(await s2.node(3).fs.stat('f'), undefined);
});

test('remote status report: active with a report file, terminated after the end, unrecognized when unknown', async () => {
  const s = simNet({
    seed: 18,
    grants: { '2': { '1': ['remote-status'] } },
    remote: { sendRateBytesPerSecond: 20_000 },
  });
  const [a, b] = [s.node(1), s.node(2)];
  await writeRandomFile(a.fs, 'big.bin', 100_000);
  const id = await a.entity.put({
    destinationEntityId: 2,
    sourceFileName: 'big.bin',
    destinationFileName: 'big.bin',
  });
  await runUntilTime(s.clock, 2000);
  const reports: string[] = [];
  b.entity.events.on('report', (r) => reports.push(transactionKey(r.transactionId)));
  const r = await settle(s.clock, a.ops.remoteStatus(2, id));
  assert.equal(r.transactionStatus, TransactionStatus.ACTIVE);
  assert.equal(r.responseCode, ReservedResponseCode.SUCCESSFUL);
  assert.equal(r.report?.known, true);
  assert.equal(r.report?.report?.role, 'receiver');
  assert.equal(r.report?.report?.state, 'active');
  assert.equal(r.report?.report?.fileSize, 100_000);
  assert.ok(r.report!.report!.progress > 0 && r.report!.report!.progress < 100_000);
  assert.deepEqual(reports, [transactionKey(id)], 'the responder issued Report.request');
  assert.deepEqual(await a.fs.list('.cfdp-remote'), [], 'the report file is removed once parsed');
  await settle(s.clock, a.entity.waitFor(id));
  const done = await settle(s.clock, a.ops.remoteStatus(2, id, { reportFile: '' }));
  assert.equal(done.transactionStatus, TransactionStatus.TERMINATED);
  assert.equal(done.report, undefined, 'message-only when no report file is asked for');
  const unknown = await settle(
    s.clock,
    a.ops.remoteStatus(2, { sourceEntityId: 9n, sequenceNumber: 9n }),
  );
  assert.deepEqual(
    [unknown.transactionStatus, unknown.responseCode],
    [TransactionStatus.UNRECOGNIZED, ReservedResponseCode.UNSUCCESSFUL],
  );
});

test('remote suspend and resume: the transfer stops while suspended and completes after resume', async () => {
  const s = simNet({
    seed: 19,
    grants: { '2': { '1': ['get', 'remote-suspend'] } },
    remote: { sendRateBytesPerSecond: 50_000 },
  });
  const [a, b] = [s.node(1), s.node(2)];
  const data = await writeRandomFile(b.fs, 'big.bin', 200_000, 5);
  let fileId: { sourceEntityId: bigint; sequenceNumber: bigint } | undefined;
  a.entity.events.on('metadataRecv', (e) => {
    if (e.sourceFileName === 'big.bin') fileId = e.transactionId;
  });
  let done = false;
  const get = a.ops.get(2, 'big.bin', 'big.bin');
  void get.then(() => (done = true));
  await runUntil(s.clock, () => fileId !== undefined);
  await runUntilTime(s.clock, s.clock.now() + 500);
  const su = await settle(s.clock, a.ops.remoteSuspend(2, fileId!));
  assert.deepEqual(
    [su.suspensionIndicator, su.transactionStatus],
    [true, TransactionStatus.ACTIVE],
  );
  const progress = (): number =>
    b.entity.list().find((t) => transactionKey(t.transactionId) === transactionKey(fileId!))!
      .progress;
  const held = progress();
  await runUntilTime(s.clock, s.clock.now() + 20_000);
  assert.equal(progress(), held, 'nothing sent while suspended');
  assert.equal(done, false);
  const re = await settle(s.clock, a.ops.remoteResume(2, fileId!));
  assert.deepEqual(
    [re.suspensionIndicator, re.transactionStatus],
    [false, TransactionStatus.ACTIVE],
  );
  const r = await settle(s.clock, get);
  assert.equal(r.ok, true);
  assert.equal(toHex((await readAll(a.fs, 'big.bin'))!), toHex(data));
  const after = await settle(s.clock, a.ops.remoteResume(2, fileId!));
  assert.deepEqual(
    [after.suspensionIndicator, after.transactionStatus],
    [false, TransactionStatus.TERMINATED],
  );
});

test('remote suspend of a transaction not yet started is queued and applied when it starts; resume withdraws a queued one', async () => {
  const s = simNet({
    seed: 20,
    grants: { '2': { '1': ['get', 'remote-suspend'] } },
    remote: { sendRateBytesPerSecond: 50_000 },
  });
  const [a, b] = [s.node(1), s.node(2)];
  await writeRandomFile(b.fs, 'f.bin', 30_000);
  // Entity 2 answers the suspend request with its next sequence number; the get's transfer
  // takes the one after.
  const next = b.entity.nextSequenceNumber;
  const future = { sourceEntityId: 2n, sequenceNumber: next + 1n };
  const q = await settle(s.clock, a.ops.remoteSuspend(2, future));
  assert.deepEqual(
    [q.suspensionIndicator, q.transactionStatus],
    [true, TransactionStatus.UNDEFINED],
  );
  assert.deepEqual(b.ops.queuedSuspensions(), [transactionKey(future)]);
  const suspended: string[] = [];
  b.entity.events.on('suspended', (e) => suspended.push(transactionKey(e.transactionId)));
  let done = false;
  const get = a.ops.get(2, 'f.bin', 'f.bin');
  void get.then(() => (done = true));
  await runUntilTime(s.clock, s.clock.now() + 30_000);
  assert.deepEqual(suspended, [transactionKey(future)]);
  assert.equal(done, false);
  assert.deepEqual(b.ops.queuedSuspensions(), []);
  const re = await settle(s.clock, a.ops.remoteResume(2, future));
  assert.equal(re.transactionStatus, TransactionStatus.ACTIVE);
  assert.equal((await settle(s.clock, get)).ok, true);
  // Queue and withdraw.
  const far = { sourceEntityId: 2n, sequenceNumber: 1000n };
  assert.equal((await settle(s.clock, a.ops.remoteSuspend(2, far))).suspensionIndicator, true);
  const w = await settle(s.clock, a.ops.remoteResume(2, far));
  assert.deepEqual(
    [w.suspensionIndicator, w.transactionStatus],
    [false, TransactionStatus.UNDEFINED],
  );
  assert.deepEqual(b.ops.queuedSuspensions(), []);
  const unknown = await settle(s.clock, a.ops.remoteResume(2, far));
  assert.equal(unknown.transactionStatus, TransactionStatus.UNRECOGNIZED);
});

test('proxy put cancel: the proxied transfer is cancelled and the response says so', async () => {
  const s = simNet({
    seed: 21,
    grants: { '2': { '1': ['get'] }, '3': {} },
    remote: { sendRateBytesPerSecond: 20_000 },
  });
  const [a, b, c] = [s.node(1), s.node(2), s.node(3)];
  await writeRandomFile(b.fs, 'big.bin', 200_000);
  let requestId: { sourceEntityId: bigint; sequenceNumber: bigint } | undefined;
  const get = a.ops.get(2, 'big.bin', 'big.bin', { onRequest: (id) => (requestId = id) });
  await runUntilTime(s.clock, 3000);
  assert.ok(requestId !== undefined);
  // Only the requester may cancel its proxy put: entity 3's attempt is refused.
  const refused: string[] = [];
  b.ops.events.on('request', (e) => {
    if (e.operation === 'proxy-put-cancel') refused.push(`${e.from}:${e.allowed}`);
  });
  await settle(s.clock, c.ops.cancelProxyPut(2, requestId));
  await runUntilTime(s.clock, s.clock.now() + 1000);
  await settle(s.clock, a.ops.cancelProxyPut(2, requestId));
  const r = await settle(s.clock, get);
  assert.deepEqual(refused, ['3:false', '1:true']);
  assert.equal(r.ok, false);
  assert.equal(r.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(r.fileTransaction?.conditionCode, ConditionCode.CANCEL_REQUEST_RECEIVED);
  assert.equal(await a.fs.stat('big.bin'), undefined);
});

test('a request nobody answers times out with LIMIT_EXCEEDED; close() rejects what still waits', async () => {
  const s = simNet({ seed: 22, timeoutMs: 5000 });
  const [a, b] = [s.node(1), s.node(2)];
  b.ops.close(); // entity 2 runs CFDP but no user operations
  const t0 = s.clock.now();
  await assert.rejects(
    settle(s.clock, a.ops.listDirectory(2, '/')),
    (e: unknown) => e instanceof CcsdsError && e.code === 'LIMIT_EXCEEDED',
  );
  assert.ok(s.clock.now() - t0 >= 5000);
  const waiting = a.ops.remoteStatus(
    2,
    { sourceEntityId: 1n, sequenceNumber: 1n },
    { timeoutMs: 0 },
  );
  await runUntilTime(s.clock, s.clock.now() + 1000);
  a.ops.close();
  await assert.rejects(
    waiting,
    (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_STATE',
  );
  await assert.rejects(a.ops.listDirectory(2, '/'), /closed/);
});
