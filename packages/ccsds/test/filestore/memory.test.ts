import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import { FilestoreAction, MemoryFileStore } from 'ccsds/filestore';
import { fileStoreCompliance } from './compliance.js';

fileStoreCompliance(
  'MemoryFileStore',
  async () => ({ store: new MemoryFileStore(), dispose: async () => {} }),
  { largeFileBytes: 8 << 20 },
);

test('memory store: holes cost no memory, capacity is enforced', async () => {
  const store = new MemoryFileStore({ capacity: 1 << 20 });
  const h = await store.openWrite('sparse');
  await h.write(10_000_000_000, new Uint8Array([1]));
  assert.equal(await h.size(), 10_000_000_001);
  assert.equal(store.usedOctets, 65536);
  assert.deepEqual(await h.read(9_999_999_999, 4), new Uint8Array([0, 1]));
  await assert.rejects(h.write(0, new Uint8Array(2 << 20)), (e) =>
    isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  await h.close();
  await store.remove('sparse');
  assert.equal(store.usedOctets, 0);
  const g = await store.openWrite('big');
  await g.write(0, new Uint8Array(900_000));
  await g.close();
  const r = await store.execute(FilestoreAction.APPEND_FILE, 'big', 'big');
  assert.equal(r.status, 3, 'append beyond capacity is not allowed');
});

test('memory store: an open handle keeps a removed file, as on POSIX', async () => {
  const store = new MemoryFileStore();
  const w = await store.openWrite('f');
  await w.write(0, new Uint8Array([1, 2, 3]));
  const r = await store.openRead('f');
  await store.remove('f');
  assert.deepEqual(await r.read(0, 10), new Uint8Array([1, 2, 3]));
  await w.write(3, new Uint8Array([4]));
  assert.deepEqual(await r.read(0, 10), new Uint8Array([1, 2, 3, 4]));
  assert.equal(await store.stat('f'), undefined);
  assert.equal(store.usedOctets, 0);
});

test('memory store: modification times come from the injected clock', async () => {
  let t = 1000;
  const store = new MemoryFileStore({ now: () => t });
  const h = await store.openWrite('f');
  t = 2000;
  await h.write(0, new Uint8Array([1]));
  assert.equal((await store.stat('f'))?.modifiedMs, 2000);
  await h.close();
});
