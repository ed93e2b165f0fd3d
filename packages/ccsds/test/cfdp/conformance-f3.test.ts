/**
 * Conformance series F3 (after CCSDS 720.4-Y-1, extended to the user operations of 727.0-B-5
 * §6): remote put (a proxy put back to the requester, "get"), every filestore request carried in
 * Metadata with its response in Finished, every proxy filestore request with its response in the
 * Proxy Put Response, and directory listing — each checked on the wire (which transactions, which
 * reserved messages, in which order) and on the filestores, on a clean link and through loss,
 * duplication and reordering, in virtual time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionCode,
  DeliveryCode,
  FileStatus,
  type MetadataPdu,
  type Pdu,
  decodeReservedMessage,
  transactionKey,
} from 'ccsds/cfdp';
import { FilestoreAction as A } from 'ccsds/filestore';
import { Bench, finished, sameBytes } from './conformance-support.js';
import { readAll, runUntil, writeRandomFile } from './sim.js';
import {
  type SimNet,
  type WireTransaction,
  readText,
  settle,
  simNet,
  wireTransactions,
  writeText,
} from './remote-sim.js';

/** The kinds of the reserved messages of a transaction. */
function kinds(t: WireTransaction): string[] {
  return t.messages.map((m) => m.kind);
}

function originOf(t: WireTransaction): string | undefined {
  const o = t.messages.find((m) => m.kind === 'originatingTransactionId');
  return o?.kind === 'originatingTransactionId'
    ? `${o.sourceEntityId}:${o.transactionSequenceNumber}`
    : undefined;
}

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}` : x));

const LOSSY = { delayMs: 120, jitterMs: 40, loss: 0.1, duplicate: 0.02 };

test('F3.1 remote put (get), Class 2 on a clean link: request, file, response — exact exchange', async () => {
  const s = simNet({ seed: 301, grants: { '2': { '1': ['get'] } } });
  const [a, b] = [s.node(1), s.node(2)];
  await b.fs.execute(A.CREATE_DIRECTORY, 'data');
  const data = await writeRandomFile(b.fs, 'data/img.bin', 20_000, 31);
  const r = await settle(s.clock, a.ops.get(2, 'data/img.bin', 'img.bin'));
  await runUntil(s.clock, () => false);
  assert.equal(r.ok, true, json(r));
  sameBytes(await readAll(a.fs, 'img.bin'), data);

  const txs = wireTransactions(s);
  assert.equal(txs.length, 3, txs.map((t) => t.key).join(' '));
  const [req, file, resp] = txs as [WireTransaction, WireTransaction, WireTransaction];
  // 1 -> 2: a message-only transaction with the Proxy Put Request.
  assert.deepEqual([req.from, req.to], [1n, 2n]);
  assert.equal(req.key, transactionKey(r.requestId));
  assert.deepEqual(kinds(req), ['proxyPutRequest']);
  assert.deepEqual(req.messages[0], {
    kind: 'proxyPutRequest',
    destinationEntityId: 1n,
    destinationEntityIdLength: 1,
    sourceFileName: 'data/img.bin',
    destinationFileName: 'img.bin',
  });
  assert.equal(req.metadata.sourceFileName, '');
  assert.equal(Number(req.metadata.fileSize), 0);
  // 2 -> 1: the file, naming the request as its originating transaction.
  assert.deepEqual([file.from, file.to], [2n, 1n]);
  assert.deepEqual(kinds(file), ['originatingTransactionId']);
  assert.equal(originOf(file), req.key);
  assert.equal(file.metadata.sourceFileName, 'data/img.bin');
  assert.equal(file.metadata.destinationFileName, 'img.bin');
  assert.equal(Number(file.metadata.fileSize), data.length);
  assert.equal(file.metadata.header.transmissionMode, 0, 'Class 2 by default');
  // 2 -> 1: the Proxy Put Response, only once the file transaction has ended.
  assert.deepEqual([resp.from, resp.to], [2n, 1n]);
  assert.deepEqual(kinds(resp), ['proxyPutResponse', 'originatingTransactionId']);
  assert.equal(originOf(resp), req.key);
  assert.deepEqual(resp.messages[0], {
    kind: 'proxyPutResponse',
    conditionCode: ConditionCode.NO_ERROR,
    deliveryCode: DeliveryCode.DATA_COMPLETE,
    fileStatus: FileStatus.RETAINED,
  });
  assert.ok(file.at > req.at, 'the file follows the request');
  assert.ok(file.finishedAt !== undefined && resp.at > file.finishedAt, 'response after Finished');
  // No file data in the request or response transactions.
  for (const t of [req, resp]) {
    assert.ok(
      !s.wire.some(
        (w) =>
          w.pdu.kind === 'fileData' &&
          `${w.pdu.header.sourceEntityId}:${w.pdu.header.transactionSequenceNumber}` === t.key,
      ),
    );
  }
  assert.equal(r.fileTransaction?.conditionCode, 0);
  assert.equal(transactionKey(r.fileTransaction!.transactionId), file.key);
});

test('F3.2 remote put through 10% loss, duplication and reordering: proxied Class 1 and 2, 4 seeds each', async () => {
  for (const proxyTransmissionClass of [1, 2] as const) {
    for (let seed = 0; seed < 4; seed++) {
      const what = `class ${proxyTransmissionClass} seed ${seed}`;
      const s = simNet({
        seed: 320 + seed,
        grants: { '2': { '1': ['get'] } },
        link: LOSSY,
        remote: { nakLimit: 50, ackLimit: 50 },
      });
      const [a, b] = [s.node(1), s.node(2)];
      // Class 1 has no retransmission: a clean 2 -> 1 direction for its file.
      if (proxyTransmissionClass === 1) s.net.setChannel('e2', 'e1', { delayMs: 120 });
      const data = await writeRandomFile(b.fs, 'f.bin', 3000 + seed * 17_000, seed);
      const r = await settle(
        s.clock,
        a.ops.get(2, 'f.bin', 'g.bin', { proxyTransmissionClass, transmissionClass: 2 }),
      );
      assert.equal(r.ok, true, `${what}: ${json(r)}`);
      sameBytes(await readAll(a.fs, 'g.bin'), data, what);
      const file = wireTransactions(s).find((t) => t.from === 2n && t.metadata.fileSize !== 0)!;
      assert.equal(file.metadata.header.transmissionMode, proxyTransmissionClass === 2 ? 0 : 1);
      assert.equal(originOf(file), transactionKey(r.requestId), what);
    }
  }
});

test('F3.3 remote put refused (no grant) or impossible (no such file, path out of the root): a failure response and no file transaction', async () => {
  const s = simNet({ seed: 303, grants: { '2': { '1': ['get'] } } });
  await writeText(s.node(2).fs, 'x.txt', 'x');
  const noGrant = simNet({ seed: 304 });
  await writeText(noGrant.node(2).fs, 'x.txt', 'x');
  const cases: [SimNet, string][] = [
    [noGrant, 'x.txt'],
    [s, 'missing.txt'],
    [s, '../../etc/passwd'],
  ];
  for (const [net, path] of cases) {
    const start = net.clock.now();
    const r = await settle(net.clock, net.node(1).ops.get(2, path, 'out.txt'));
    await runUntil(net.clock, () => false);
    assert.equal(r.ok, false, path);
    assert.equal(r.conditionCode, ConditionCode.FILESTORE_REJECTION, path);
    assert.equal(r.deliveryCode, DeliveryCode.DATA_INCOMPLETE, path);
    assert.equal(r.fileStatus, FileStatus.DISCARDED_FILESTORE_REJECTION, path);
    assert.equal(await net.node(1).fs.stat('out.txt'), undefined, path);
    const fromB = wireTransactions(net).filter((t) => t.from === 2n && t.at >= start);
    assert.deepEqual(fromB.map(kinds), [['proxyPutResponse', 'originatingTransactionId']], path);
    assert.equal(Number(fromB[0]!.metadata.fileSize), 0);
  }
});

interface FsCase {
  name: string;
  /** Files and folders at the receiver before the put. */
  setup: [path: string, content: string | 'dir'][];
  requests: { actionCode: number; firstFileName: string; secondFileName?: string }[];
  /** What the receiver's store holds afterwards (`undefined`: absent; 'dir': a folder; 'FILE': the sent file). */
  expect: [path: string, content: string | 'dir' | 'FILE' | undefined][];
}

const FS_CASES: FsCase[] = [
  {
    name: 'create file',
    setup: [],
    requests: [{ actionCode: A.CREATE_FILE, firstFileName: 'new.txt' }],
    expect: [
      ['new.txt', ''],
      ['in.bin', 'FILE'],
    ],
  },
  {
    name: 'delete file',
    setup: [['old.txt', 'old']],
    requests: [{ actionCode: A.DELETE_FILE, firstFileName: 'old.txt' }],
    expect: [['old.txt', undefined]],
  },
  {
    name: 'rename file (the received one, into a new folder)',
    setup: [],
    requests: [
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'dir' },
      { actionCode: A.RENAME_FILE, firstFileName: 'in.bin', secondFileName: 'dir/moved.bin' },
    ],
    expect: [
      ['in.bin', undefined],
      ['dir/moved.bin', 'FILE'],
    ],
  },
  {
    name: 'append file',
    setup: [['log.txt', 'head:']],
    requests: [{ actionCode: A.APPEND_FILE, firstFileName: 'log.txt', secondFileName: 'in.bin' }],
    expect: [['log.txt', 'head:FILE']],
  },
  {
    name: 'replace file',
    setup: [['log.txt', 'old content']],
    requests: [{ actionCode: A.REPLACE_FILE, firstFileName: 'log.txt', secondFileName: 'in.bin' }],
    expect: [
      ['log.txt', 'FILE'],
      ['in.bin', 'FILE'],
    ],
  },
  {
    name: 'create directory',
    setup: [],
    requests: [{ actionCode: A.CREATE_DIRECTORY, firstFileName: 'a' }],
    expect: [['a', 'dir']],
  },
  {
    name: 'remove directory',
    setup: [['empty', 'dir']],
    requests: [{ actionCode: A.REMOVE_DIRECTORY, firstFileName: 'empty' }],
    expect: [['empty', undefined]],
  },
  {
    name: 'deny file (present and absent)',
    setup: [['x.txt', 'x']],
    requests: [
      { actionCode: A.DENY_FILE, firstFileName: 'x.txt' },
      { actionCode: A.DENY_FILE, firstFileName: 'never-was.txt' },
    ],
    expect: [['x.txt', undefined]],
  },
  {
    name: 'deny directory (present and absent)',
    setup: [['d', 'dir']],
    requests: [
      { actionCode: A.DENY_DIRECTORY, firstFileName: 'd' },
      { actionCode: A.DENY_DIRECTORY, firstFileName: 'never-was' },
    ],
    expect: [['d', undefined]],
  },
];

const te = new TextEncoder();
const td = new TextDecoder();

async function checkStore(bench: Bench, c: FsCase, data: Uint8Array, what: string): Promise<void> {
  for (const [path, want] of c.expect) {
    const st = await bench.fsB.stat(path);
    if (want === undefined) {
      assert.equal(st, undefined, `${what}: ${path} absent`);
    } else if (want === 'dir') {
      assert.equal(st?.isDirectory, true, `${what}: ${path} a folder`);
    } else {
      const got = await bench.read(path);
      const parts = want.split('FILE');
      const expected = new Uint8Array(
        parts.reduce((n, p) => n + te.encode(p).length, 0) + data.length * (parts.length - 1),
      );
      let o = 0;
      parts.forEach((p, i) => {
        expected.set(te.encode(p), o);
        o += te.encode(p).length;
        if (i < parts.length - 1) {
          expected.set(data, o);
          o += data.length;
        }
      });
      sameBytes(got, expected, `${what}: ${path}`);
    }
  }
}

for (const cls of [2, 1] as const) {
  test(`F3.4 every filestore request in a Class ${cls}${cls === 1 ? ' (closure)' : ''} put's Metadata: executed after the file is in place, responses in Finished`, async () => {
    for (const c of FS_CASES) {
      const what = `${c.name} (class ${cls})`;
      const bench = new Bench({
        seed: 340 + cls,
        link: { delayMs: 50 },
        remoteB: { allowedOperations: ['filestore'] },
      });
      for (const [path, content] of c.setup) {
        if (content === 'dir') await bench.fsB.execute(A.CREATE_DIRECTORY, path);
        else {
          const h = await bench.fsB.openWrite(path, { truncate: true });
          await h.write(0, te.encode(content));
          await h.close();
        }
      }
      const data = await bench.file('src.bin', 3000, 7);
      await bench.put({
        sourceFileName: 'src.bin',
        destinationFileName: 'in.bin',
        transmissionClass: cls,
        closureRequested: true,
        filestoreRequests: c.requests,
      });
      const { a, b } = await bench.settle();
      const md = bench.sent('a', 'metadata')[0]!.pdu as MetadataPdu;
      assert.deepEqual(
        md.options.flatMap((o) =>
          o.kind === 'filestoreRequest' ? [[o.actionCode, o.firstFileName, o.secondFileName]] : [],
        ),
        c.requests.map((r) => [r.actionCode, r.firstFileName, r.secondFileName ?? '']),
        `${what}: requests in the Metadata, in order`,
      );
      const fin = bench.sent('b', 'finished')[0]!.pdu as Extract<Pdu, { kind: 'finished' }>;
      assert.deepEqual(
        fin.filestoreResponses.map((f) => [f.actionCode, f.statusCode, f.firstFileName]),
        c.requests.map((r) => [r.actionCode, 0, r.firstFileName]),
        `${what}: one successful response per request in Finished`,
      );
      assert.equal(finished(b).conditionCode, 0, what);
      assert.equal(finished(a).conditionCode, 0, what);
      assert.deepEqual(
        finished(a).filestoreResponses.map((f) => [f.actionCode, f.statusCode]),
        c.requests.map((r) => [r.actionCode, 0]),
        `${what}: the sender's Transaction-Finished carries them`,
      );
      await checkStore(bench, c, data, what);
    }
  });
}

test('F3.5 filestore requests in a Metadata-only transaction, all nine in one, in order', async () => {
  const bench = new Bench({ seed: 350, remoteB: { allowedOperations: ['filestore'] } });
  for (const [p, t] of [
    ['one.txt', 'one;'],
    ['two.txt', 'two;'],
    ['gone.txt', 'gone'],
  ]) {
    const h = await bench.fsB.openWrite(p!, { truncate: true });
    await h.write(0, te.encode(t!));
    await h.close();
  }
  const requests = [
    { actionCode: A.CREATE_FILE, firstFileName: 'new.txt' },
    { actionCode: A.DELETE_FILE, firstFileName: 'gone.txt' },
    { actionCode: A.CREATE_DIRECTORY, firstFileName: 'dir' },
    { actionCode: A.RENAME_FILE, firstFileName: 'new.txt', secondFileName: 'dir/new.txt' },
    { actionCode: A.APPEND_FILE, firstFileName: 'one.txt', secondFileName: 'two.txt' },
    { actionCode: A.REPLACE_FILE, firstFileName: 'dir/new.txt', secondFileName: 'one.txt' },
    { actionCode: A.CREATE_DIRECTORY, firstFileName: 'tmp' },
    { actionCode: A.REMOVE_DIRECTORY, firstFileName: 'tmp' },
    { actionCode: A.DENY_FILE, firstFileName: 'two.txt' },
    { actionCode: A.CREATE_DIRECTORY, firstFileName: 'tmp2' },
    { actionCode: A.DENY_DIRECTORY, firstFileName: 'tmp2' },
  ];
  await bench.put({ filestoreRequests: requests });
  const { a, b } = await bench.settle();
  assert.equal(bench.sent('a', 'fd').length, 0, 'no file data');
  assert.equal(finished(b).conditionCode, 0);
  assert.deepEqual(
    finished(a).filestoreResponses.map((f) => [f.actionCode, f.statusCode, f.firstFileName]),
    requests.map((r) => [r.actionCode, 0, r.firstFileName]),
  );
  assert.equal(td.decode(await bench.read('one.txt')), 'one;two;');
  assert.equal(td.decode(await bench.read('dir/new.txt')), 'one;two;');
  assert.deepEqual(await bench.listing(), ['dir', 'one.txt']);
  assert.deepEqual(
    (await bench.fsB.list('dir')).map((e) => e.name),
    ['new.txt'],
  );
});

test('F3.6 a failed filestore request: its status, the rest not performed (15), condition filestore rejection, the file kept', async () => {
  const bench = new Bench({ seed: 360, remoteB: { allowedOperations: ['filestore'] } });
  const data = await bench.file('src.bin', 5000);
  await bench.put({
    sourceFileName: 'src.bin',
    destinationFileName: 'in.bin',
    filestoreRequests: [
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'ok' },
      { actionCode: A.DELETE_FILE, firstFileName: 'missing.txt' },
      { actionCode: A.RENAME_FILE, firstFileName: 'in.bin', secondFileName: 'ok/in.bin' },
    ],
  });
  const { a, b } = await bench.settle();
  assert.equal(finished(b).conditionCode, ConditionCode.FILESTORE_REJECTION);
  assert.equal(finished(a).conditionCode, ConditionCode.FILESTORE_REJECTION);
  assert.equal(finished(a).deliveryCode, DeliveryCode.DATA_COMPLETE);
  assert.deepEqual(
    finished(a).filestoreResponses.map((f) => [f.actionCode, f.statusCode]),
    [
      [A.CREATE_DIRECTORY, 0],
      [A.DELETE_FILE, 1],
      [A.RENAME_FILE, 15],
    ],
  );
  sameBytes(await bench.read('in.bin'), data);
  assert.equal(await bench.fsB.stat('ok/in.bin'), undefined);
});

test('F3.7 policy: destructive filestore requests from a peer without the grant answer "not allowed", nothing changes', async () => {
  const bench = new Bench({ seed: 370, remoteB: { allowedOperations: ['filestore:create-file'] } });
  const h = await bench.fsB.openWrite('keep.txt', { truncate: true });
  await h.write(0, te.encode('keep'));
  await h.close();
  await bench.fsB.execute(A.CREATE_DIRECTORY, 'keepdir');
  const cases = [
    [A.DELETE_FILE, 'keep.txt', undefined, 2],
    [A.RENAME_FILE, 'keep.txt', 'x.txt', 3],
    [A.APPEND_FILE, 'keep.txt', 'keep.txt', 3],
    [A.REPLACE_FILE, 'keep.txt', 'keep.txt', 3],
    [A.REMOVE_DIRECTORY, 'keepdir', undefined, 2],
    [A.DENY_FILE, 'keep.txt', undefined, 2],
    [A.DENY_DIRECTORY, 'keepdir', undefined, 2],
  ] as const;
  for (const [actionCode, first, second, status] of cases) {
    const before = bench.outcomes.a.length;
    await bench.put({
      filestoreRequests: [
        second === undefined
          ? { actionCode, firstFileName: first }
          : { actionCode, firstFileName: first, secondFileName: second },
      ],
    });
    await bench.run(() => bench.outcomes.a.length > before);
    const f = finished(bench.outcomes.a[before]!);
    assert.equal(f.conditionCode, ConditionCode.FILESTORE_REJECTION, `action ${actionCode}`);
    assert.deepEqual(
      f.filestoreResponses.map((x) => [x.actionCode, x.statusCode]),
      [[actionCode, status]],
      `action ${actionCode}: "not allowed"`,
    );
  }
  assert.equal(td.decode(await bench.read('keep.txt')), 'keep');
  assert.equal((await bench.fsB.stat('keepdir'))?.isDirectory, true);
  assert.deepEqual(await bench.listing(), ['keep.txt', 'keepdir']);
});

test('F3.8 every proxy filestore request (remote filestore) through a lossy link: executed in order at the remote, answered in the Proxy Put Response', async () => {
  for (let seed = 0; seed < 3; seed++) {
    const s = simNet({
      seed: 380 + seed,
      grants: { '2': { '1': ['filestore'] } },
      link: LOSSY,
      remote: { nakLimit: 50, ackLimit: 50 },
    });
    const [a, b] = [s.node(1), s.node(2)];
    await writeText(b.fs, 'one.txt', 'one;');
    await writeText(b.fs, 'two.txt', 'two;');
    const requests = [
      { actionCode: A.CREATE_FILE, firstFileName: 'new.txt' },
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'dir' },
      { actionCode: A.APPEND_FILE, firstFileName: 'one.txt', secondFileName: 'two.txt' },
      { actionCode: A.REPLACE_FILE, firstFileName: 'new.txt', secondFileName: 'one.txt' },
      { actionCode: A.RENAME_FILE, firstFileName: 'new.txt', secondFileName: 'dir/moved.txt' },
      { actionCode: A.DELETE_FILE, firstFileName: 'two.txt' },
      { actionCode: A.DENY_FILE, firstFileName: 'absent.txt' },
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'e1' },
      { actionCode: A.REMOVE_DIRECTORY, firstFileName: 'e1' },
      { actionCode: A.CREATE_DIRECTORY, firstFileName: 'e2' },
      { actionCode: A.DENY_DIRECTORY, firstFileName: 'e2' },
    ];
    const r = await settle(s.clock, a.ops.remoteFilestore(2, requests));
    await runUntil(s.clock, () => false);
    assert.equal(r.ok, true, json(r));
    assert.deepEqual(
      r.filestoreResponses.map((f) => [f.actionCode, f.statusCode, f.firstFileName]),
      requests.map((q) => [q.actionCode, 0, q.firstFileName]),
    );
    const txs = wireTransactions(s);
    assert.equal(txs.length, 2, `seed ${seed}: request and response only`);
    assert.deepEqual(kinds(txs[0]!), [
      'proxyPutRequest',
      ...requests.map(() => 'proxyFilestoreRequest'),
    ]);
    assert.deepEqual(kinds(txs[1]!), [
      'proxyPutResponse',
      ...requests.map(() => 'proxyFilestoreResponse'),
      'originatingTransactionId',
    ]);
    assert.equal(await readText(b.fs, 'one.txt'), 'one;two;');
    assert.equal(await readText(b.fs, 'dir/moved.txt'), 'one;two;');
    assert.deepEqual(
      (await b.fs.list('')).map((e) => e.name).filter((n) => !n.startsWith('.')),
      ['dir', 'one.txt'],
    );
  }
});

test('F3.9 directory listing through a lossy link: request, listing file with the response, 300 entries intact', async () => {
  for (let seed = 0; seed < 3; seed++) {
    const s = simNet({
      seed: 390 + seed,
      grants: { '2': { '1': ['directory-listing'] } },
      link: LOSSY,
      remote: { nakLimit: 50, ackLimit: 50 },
    });
    const [a, b] = [s.node(1), s.node(2)];
    await b.fs.execute(A.CREATE_DIRECTORY, 'many');
    const names: string[] = [];
    for (let i = 0; i < 300; i++) {
      const n = `file-${String(i).padStart(3, '0')} ${'x'.repeat(i % 40)}.dat`;
      names.push(n);
      await writeText(b.fs, `many/${n}`, 'y'.repeat(i));
    }
    await b.fs.execute(A.CREATE_DIRECTORY, 'many/sub');
    const r = await settle(
      s.clock,
      a.ops.listDirectory(2, 'many', { keep: true, listingFile: 'many.txt' }),
    );
    await runUntil(s.clock, () => false);
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(
      r.entries.map((e) => [e.name, e.isDirectory, e.size]),
      [...names.map((n, i) => [n, false, i]), ['sub', true, 0]],
    );
    const txs = wireTransactions(s);
    assert.equal(txs.length, 2);
    const [req, resp] = txs as [WireTransaction, WireTransaction];
    assert.deepEqual(req.messages, [
      { kind: 'directoryListingRequest', directoryName: 'many', directoryFileName: 'many.txt' },
    ]);
    assert.deepEqual(kinds(resp), ['directoryListingResponse', 'originatingTransactionId']);
    assert.equal(originOf(resp), req.key);
    const m = resp.messages[0]!;
    assert.ok(m.kind === 'directoryListingResponse');
    assert.equal(m.listingResponseCode, 0);
    assert.equal(resp.metadata.destinationFileName, 'many.txt');
    const listing = await readAll(a.fs, 'many.txt');
    assert.equal(Number(resp.metadata.fileSize), listing!.length);
    assert.ok(listing!.length > 10_000, 'a listing of many segments');
  }
});

test('F3.10 directory listing of something that is not a listable folder: unsuccessful response, no file', async () => {
  const s = simNet({ seed: 310, grants: { '2': { '1': ['directory-listing'] } } });
  const [a, b] = [s.node(1), s.node(2)];
  await writeText(b.fs, 'plain.txt', 'p');
  for (const dir of ['absent', 'plain.txt', '../..']) {
    const before = s.wire.length;
    const r = await settle(s.clock, a.ops.listDirectory(2, dir));
    await runUntil(s.clock, () => false);
    assert.equal(r.ok, false, dir);
    const resp = s.wire.slice(before).find((w) => w.from === 2n && w.pdu.kind === 'metadata')!
      .pdu as MetadataPdu;
    assert.equal(Number(resp.fileSize), 0, `${dir}: no listing file`);
    assert.equal(resp.sourceFileName, '');
    const msgs = resp.options.flatMap((o) =>
      o.kind === 'messageToUser' ? [decodeReservedMessage(o.message)] : [],
    );
    const lr = msgs.find((x) => x?.kind === 'directoryListingResponse');
    assert.ok(lr?.kind === 'directoryListingResponse');
    assert.equal(lr.listingResponseCode, 1, `${dir}: unsuccessful`);
  }
  // Without the grant: refused the same way.
  const denied = simNet({ seed: 311 });
  await denied.node(2).fs.execute(A.CREATE_DIRECTORY, 'd');
  const r = await settle(denied.clock, denied.node(1).ops.listDirectory(2, 'd'));
  assert.equal(r.ok, false);
});
