import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import { NativeFileStore } from 'ccsds/filestore/node';
import { fileStoreCompliance } from './compliance.js';

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'ccsds-fs-'));
}

fileStoreCompliance(
  'NativeFileStore',
  async () => {
    const hostRoot = tempRoot();
    return {
      store: await NativeFileStore.open(hostRoot),
      hostRoot,
      dispose: async () => rmSync(hostRoot, { recursive: true, force: true }),
    };
  },
  { largeFileBytes: 64 << 20, checkRss: true, symbolicLinks: true },
);

test('native store: open creates the root on request and refuses a file as root', async () => {
  const base = tempRoot();
  try {
    await assert.rejects(NativeFileStore.open(join(base, 'missing')), (e) =>
      isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
    );
    const store = await NativeFileStore.open(join(base, 'made', 'here'), { create: true });
    assert.deepEqual(await store.list(''), []);
    writeFileSync(join(base, 'file'), 'x');
    await assert.rejects(NativeFileStore.open(join(base, 'file')), (e) =>
      isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
    );
    assert.throws(
      () => new NativeFileStore(''),
      (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('native store: a root reached through a symbolic link works', async () => {
  const base = tempRoot();
  try {
    const real = join(base, 'real');
    await NativeFileStore.open(real, { create: true });
    symlinkSync(real, join(base, 'alias'));
    const store = await NativeFileStore.open(join(base, 'alias'));
    const h = await store.openWrite('/x.txt');
    await h.write(0, new TextEncoder().encode('via alias'));
    await h.close();
    assert.equal((await store.stat('x.txt'))?.size, 9);
    assert.equal(realpathSync(join(base, 'alias', 'x.txt')), join(realpathSync(real), 'x.txt'));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('native store: FIFOs and other non-regular files are not opened', async (t) => {
  const base = tempRoot();
  try {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('mkfifo', [join(base, 'fifo')]);
    } catch {
      t.skip('mkfifo is not available');
      return;
    }
    const store = await NativeFileStore.open(base);
    await assert.rejects(store.openRead('fifo'), (e) =>
      isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(store.openWrite('fifo'), (e) =>
      isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
