/**
 * The FileStore compliance suite: one function that registers the same tests for any store.
 * `memory.test.ts` and `native.test.ts` run it against MemoryFileStore and NativeFileStore.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdirSync, symlinkSync, writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CcsdsErrorCode, SeededRandom, isCcsdsError } from 'ccsds/core';
import {
  type FileStore,
  FilestoreAction,
  FilestoreStatus,
  normalizeStorePath,
} from 'ccsds/filestore';

/** A store under test, and how to dispose of it. */
export interface StoreUnderTest {
  store: FileStore;
  /** The host folder of a native store (enables the symbolic link tests). */
  hostRoot?: string;
  dispose(): Promise<void>;
}

/** Options of {@link fileStoreCompliance}. */
export interface ComplianceOptions {
  /** Size of the streamed large file (default 8 MiB). */
  largeFileBytes?: number;
  /** Check that RSS stays bounded while streaming the large file. */
  checkRss?: boolean;
  /** The store has host symbolic links (`hostRoot` is set): run the link tests. */
  symbolicLinks?: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function rejectsInvalid(p: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(p, (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT), what);
}

async function writeText(store: FileStore, path: string, text: string): Promise<void> {
  const h = await store.openWrite(path, { truncate: true });
  await h.write(0, enc.encode(text));
  await h.close();
}

async function readText(store: FileStore, path: string): Promise<string> {
  const h = await store.openRead(path);
  try {
    return dec.decode(await h.read(0, await h.size()));
  } finally {
    await h.close();
  }
}

/** Registers the compliance tests for the stores `make` produces (a fresh, empty one per test). */
export function fileStoreCompliance(
  name: string,
  make: () => Promise<StoreUnderTest>,
  options: ComplianceOptions = {},
): void {
  const it = (title: string, fn: (s: StoreUnderTest) => Promise<void>): void => {
    test(title, async () => {
      const s = await make();
      try {
        await fn(s);
      } finally {
        await s.dispose();
      }
    });
  };

  describe(`FileStore compliance: ${name}`, () => {
    it('a leading "/" means the root; "." and empty segments are ignored; ".." inside is allowed', async ({
      store,
    }) => {
      await writeText(store, '/a.txt', 'A');
      assert.equal(await readText(store, 'a.txt'), 'A');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'd');
      await writeText(store, '//d/./b.txt', 'B');
      assert.equal(await readText(store, 'd/../d/b.txt'), 'B');
      assert.equal(await readText(store, '/d//b.txt'), 'B');
      assert.equal((await store.stat('/'))?.isDirectory, true);
      assert.equal((await store.stat(''))?.isDirectory, true);
    });

    it('paths leaving the root, NUL and backslash are refused by every method', async ({
      store,
    }) => {
      await writeText(store, 'inside.txt', 'x');
      const bad = ['..', '../x', '/../x', 'a/../../x', 'a/b/../../../x', 'x\0y', 'a\\..\\..\\x'];
      for (const p of bad) {
        await rejectsInvalid(store.stat(p), `stat ${p}`);
        await rejectsInvalid(store.openRead(p), `openRead ${p}`);
        await rejectsInvalid(store.openWrite(p), `openWrite ${p}`);
        await rejectsInvalid(store.list(p), `list ${p}`);
        await rejectsInvalid(store.rename('inside.txt', p), `rename to ${p}`);
        await rejectsInvalid(store.rename(p, 'z'), `rename from ${p}`);
        await rejectsInvalid(store.remove(p), `remove ${p}`);
        const r = await store.execute(FilestoreAction.DELETE_FILE, p);
        assert.equal(r.status, FilestoreStatus.NOT_PERFORMED, `execute ${p}`);
        const r2 = await store.execute(FilestoreAction.RENAME_FILE, 'inside.txt', p);
        assert.equal(r2.status, FilestoreStatus.NOT_PERFORMED, `execute rename ${p}`);
      }
      assert.equal(await readText(store, 'inside.txt'), 'x');
    });

    it('random paths are either refused or land where the path rules say', async ({ store }) => {
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'a');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'a/b');
      const seg = fc.constantFrom('a', 'b', '..', '.', '', 'f');
      await fc.assert(
        fc.asyncProperty(fc.array(seg, { minLength: 1, maxLength: 7 }), async (segs) => {
          const path = segs.join('/');
          // The model: fold the segments; leaving the root is an error.
          const model: string[] = [];
          let escapes = false;
          for (const s of segs) {
            if (s === '' || s === '.') continue;
            if (s === '..') {
              if (model.length === 0) escapes = true;
              model.pop();
            } else model.push(s);
          }
          if (escapes) {
            await rejectsInvalid(store.stat(path), path);
            return;
          }
          assert.equal(normalizeStorePath(path), model.join('/'));
          const st = await store.stat(path);
          const stModel = await store.stat(model.join('/'));
          assert.deepEqual(st, stModel);
        }),
        { numRuns: 60 },
      );
    });

    it('random-access writes at offsets read back like a model', async ({ store }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              offset: fc.integer({ min: 0, max: 200_000 }),
              length: fc.integer({ min: 0, max: 70_000 }),
              seed: fc.integer(),
            }),
            { minLength: 1, maxLength: 8 },
          ),
          async (writes) => {
            const model = new Uint8Array(300_000);
            let size = 0;
            const h = await store.openWrite('ra.bin', { truncate: true });
            for (const [i, { offset, length, seed }] of writes.entries()) {
              const data = new SeededRandom(seed ^ i).bytes(length);
              model.set(data, offset);
              if (length > 0) size = Math.max(size, offset + length); // empty writes change nothing
              await h.write(offset, data);
            }
            assert.equal(await h.size(), size);
            await h.close();
            const r = await store.openRead('ra.bin');
            assert.deepEqual(await r.read(0, size + 10), model.subarray(0, size));
            const mid = Math.floor(size / 3);
            assert.deepEqual(
              await r.read(mid, 1000),
              model.subarray(mid, Math.min(size, mid + 1000)),
            );
            assert.equal((await r.read(size, 10)).length, 0);
            assert.equal((await r.read(size + 1000, 10)).length, 0);
            await r.close();
            assert.equal((await store.stat('ra.bin'))?.size, size);
          },
        ),
        { numRuns: 25 },
      );
    });

    it('holes read as zeros; writes extend the file', async ({ store }) => {
      const h = await store.openWrite('hole.bin');
      await h.write(1_000_000, new Uint8Array([7]));
      await h.write(10, new Uint8Array([1, 2]));
      assert.equal(await h.size(), 1_000_001);
      const all = await h.read(0, 2_000_000);
      assert.equal(all.length, 1_000_001);
      assert.equal(all[10], 1);
      assert.equal(all[11], 2);
      assert.equal(all[1_000_000], 7);
      assert.equal(
        all.reduce((a, b) => a + b, 0),
        10,
      );
      assert.deepEqual(await h.read(999_998, 5), new Uint8Array([0, 0, 7]));
      await h.close();
    });

    it('reads into a caller buffer: a view of it, holes zeroed, short at the end, too small refused', async ({
      store,
    }) => {
      const h = await store.openWrite('into.bin');
      await h.write(0, new Uint8Array([1, 2, 3]));
      await h.write(10, new Uint8Array([9]));
      const into = new Uint8Array(16).fill(0xaa);
      const got = await h.read(1, 12, into);
      assert.equal(got.buffer, into.buffer, 'a view of the buffer given');
      assert.equal(got.byteOffset, into.byteOffset);
      assert.deepEqual(got, new Uint8Array([2, 3, 0, 0, 0, 0, 0, 0, 0, 9]));
      const again = await h.read(0, 4, into);
      assert.deepEqual(again, new Uint8Array([1, 2, 3, 0]));
      await assert.rejects(h.read(0, 17, into), (e) =>
        isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
      );
      await h.close();
    });

    it('stat reports files, directories and absence', async ({ store }) => {
      const before = Date.now();
      await writeText(store, 'f.txt', 'hello');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'dir');
      const f = await store.stat('f.txt');
      assert.ok(f !== undefined);
      assert.equal(f.size, 5);
      assert.equal(f.isDirectory, false);
      assert.ok(f.modifiedMs >= before - 2000 && f.modifiedMs <= Date.now() + 2000);
      const d = await store.stat('dir');
      assert.equal(d?.isDirectory, true);
      assert.equal(d?.size, 0);
      assert.equal(await store.stat('missing'), undefined);
      assert.equal(await store.stat('missing/deeper'), undefined);
      assert.equal(await store.stat('f.txt/below'), undefined);
    });

    it('list is sorted, describes entries, and hides the temporary folder', async ({ store }) => {
      await writeText(store, 'b.txt', 'bb');
      await writeText(store, 'a.txt', 'a');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'c');
      await writeText(store, 'c/inner', 'xyz');
      const tmp = await store.tempPath('hidden');
      await writeText(store, tmp, 'partial');
      const root = await store.list('');
      assert.deepEqual(
        root.map((e) => [e.name, e.isDirectory, e.size]),
        [
          ['a.txt', false, 1],
          ['b.txt', false, 2],
          ['c', true, 0],
        ],
      );
      assert.deepEqual(await store.list('/'), root);
      assert.deepEqual(
        (await store.list('c')).map((e) => e.name),
        ['inner'],
      );
      await rejectsInvalid(store.list('missing'), 'list missing');
      await rejectsInvalid(store.list('a.txt'), 'list of a file');
    });

    it('open: missing parents, directories and closed handles are refused', async ({ store }) => {
      await rejectsInvalid(store.openWrite('no/such/file'), 'missing parent');
      await rejectsInvalid(store.openRead('nothing'), 'missing file');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'd');
      await rejectsInvalid(store.openRead('d'), 'read a directory');
      await rejectsInvalid(store.openWrite('d'), 'write a directory');
      await rejectsInvalid(store.openWrite(''), 'write the root');
      await writeText(store, 't.txt', 'hello world');
      const w = await store.openWrite('t.txt');
      assert.equal(await w.size(), 11, 'no truncation by default');
      await w.write(0, enc.encode('J'));
      await w.sync();
      await w.close();
      await w.close();
      await assert.rejects(w.read(0, 1), (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_STATE));
      await assert.rejects(w.write(0, new Uint8Array(1)), (e) =>
        isCcsdsError(e, CcsdsErrorCode.INVALID_STATE),
      );
      assert.equal(await readText(store, 't.txt'), 'Jello world');
      const t = await store.openWrite('t.txt', { truncate: true });
      assert.equal(await t.size(), 0);
      await t.close();
      const r = await store.openRead('t.txt');
      await assert.rejects(r.write(0, new Uint8Array(1)), (e) =>
        isCcsdsError(e, CcsdsErrorCode.INVALID_STATE),
      );
      await assert.rejects(r.read(-1, 1), (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT));
      await assert.rejects(r.read(0.5, 1), (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT));
      await r.close();
    });

    it('rename moves and replaces files, and refuses directories as targets', async ({ store }) => {
      await writeText(store, 'a', 'A');
      await writeText(store, 'b', 'B');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'd');
      await store.rename('a', 'd/a2');
      assert.equal(await store.stat('a'), undefined);
      assert.equal(await readText(store, 'd/a2'), 'A');
      await store.rename('d/a2', 'b');
      assert.equal(await readText(store, 'b'), 'A');
      await rejectsInvalid(store.rename('b', 'd'), 'onto a directory');
      await rejectsInvalid(store.rename('missing', 'x'), 'missing source');
      await rejectsInvalid(store.rename('b', 'nodir/x'), 'missing target folder');
      await store.rename('d', 'e');
      assert.equal((await store.stat('e'))?.isDirectory, true);
      assert.equal(await readText(store, 'b'), 'A');
    });

    it('remove deletes files and refuses directories and missing names', async ({ store }) => {
      await writeText(store, 'a', 'A');
      await store.remove('a');
      assert.equal(await store.stat('a'), undefined);
      await rejectsInvalid(store.remove('a'), 'missing');
      await store.execute(FilestoreAction.CREATE_DIRECTORY, 'd');
      await rejectsInvalid(store.remove('d'), 'directory');
      await rejectsInvalid(store.remove(''), 'root');
    });

    it('tempPath gives fresh private names that rename into place', async ({ store }) => {
      const names = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const t = await store.tempPath(i % 2 === 0 ? 'file.bin' : '../../etc/passwd\0');
        assert.ok(t.startsWith('.ccsds-tmp/'), t);
        assert.ok(!names.has(t));
        assert.equal(await store.stat(t), undefined);
        assert.equal(normalizeStorePath(t), t);
        names.add(t);
      }
      const t = await store.tempPath('incoming');
      const h = await store.openWrite(t);
      await h.write(0, enc.encode('complete'));
      await h.close();
      assert.equal(await store.stat('final.bin'), undefined, 'not visible until renamed');
      await store.rename(t, 'final.bin');
      assert.equal(await readText(store, 'final.bin'), 'complete');
      assert.equal(await store.stat(t), undefined);
      const r = await store.execute(FilestoreAction.DELETE_FILE, '.ccsds-tmp/x');
      assert.equal(
        r.status,
        FilestoreStatus.NOT_PERFORMED,
        'requests cannot touch the private area',
      );
    });

    describe('filestore actions (727.0-B-5 Table 5-16)', () => {
      const A = FilestoreAction;
      const expect = async (
        store: FileStore,
        action: FilestoreAction,
        status: number,
        first: string,
        second?: string,
      ): Promise<void> => {
        const r = await store.execute(action, first, second);
        assert.equal(r.action, action);
        assert.equal(r.status, status, `${action} ${first} ${second ?? ''}: ${r.message}`);
        assert.equal(typeof r.message, 'string');
        assert.ok(r.message.length > 0);
      };

      it('create file', async ({ store }) => {
        await expect(store, A.CREATE_FILE, 0, 'new.txt');
        assert.equal((await store.stat('new.txt'))?.size, 0);
        await writeText(store, 'full.txt', 'data');
        await expect(store, A.CREATE_FILE, 0, 'full.txt');
        assert.equal((await store.stat('full.txt'))?.size, 0, 'an existing file is emptied');
        await expect(store, A.CREATE_FILE, 1, 'nodir/new.txt');
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.CREATE_FILE, 1, 'd');
        await expect(store, A.CREATE_FILE, 1, '/');
      });

      it('delete file', async ({ store }) => {
        await writeText(store, 'f', 'x');
        await expect(store, A.DELETE_FILE, 0, 'f');
        assert.equal(await store.stat('f'), undefined);
        await expect(store, A.DELETE_FILE, 1, 'f');
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.DELETE_FILE, 2, 'd');
        assert.equal((await store.stat('d'))?.isDirectory, true);
      });

      it('rename file', async ({ store }) => {
        await writeText(store, 'old', 'content');
        await writeText(store, 'taken', 'other');
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.RENAME_FILE, 0, 'old', 'd/new');
        assert.equal(await readText(store, 'd/new'), 'content');
        assert.equal(await store.stat('old'), undefined);
        await expect(store, A.RENAME_FILE, 1, 'old', 'x');
        await expect(store, A.RENAME_FILE, 2, 'd/new', 'taken');
        assert.equal(await readText(store, 'taken'), 'other', 'existing name left alone');
        await expect(store, A.RENAME_FILE, 2, 'd/new', 'd');
        await expect(store, A.RENAME_FILE, 3, 'd', 'e');
        await expect(store, A.RENAME_FILE, 3, 'd/new', 'nodir/x');
        await expect(store, A.RENAME_FILE, 15, 'd/new');
      });

      it('append file: file 2 appended to file 1', async ({ store }) => {
        await writeText(store, 'one', 'head-');
        await writeText(store, 'two', 'tail');
        await expect(store, A.APPEND_FILE, 0, 'one', 'two');
        assert.equal(await readText(store, 'one'), 'head-tail');
        assert.equal(await readText(store, 'two'), 'tail', 'file 2 unchanged');
        await expect(store, A.APPEND_FILE, 0, 'two', 'two');
        assert.equal(await readText(store, 'two'), 'tailtail', 'self append doubles once');
        await expect(store, A.APPEND_FILE, 1, 'missing', 'two');
        await expect(store, A.APPEND_FILE, 2, 'one', 'missing');
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.APPEND_FILE, 3, 'd', 'two');
        await expect(store, A.APPEND_FILE, 3, 'one', 'd');
        await expect(store, A.APPEND_FILE, 15, 'one');
      });

      it('append and replace stream files larger than one copy chunk', async ({ store }) => {
        const rng = new SeededRandom(5);
        const a = rng.bytes(1_500_000);
        const b = rng.bytes(2_700_001);
        const ha = await store.openWrite('a');
        await ha.write(0, a);
        await ha.close();
        const hb = await store.openWrite('b');
        await hb.write(0, b);
        await hb.close();
        await expect(store, A.APPEND_FILE, 0, 'a', 'b');
        const r = await store.openRead('a');
        assert.equal(await r.size(), a.length + b.length);
        assert.deepEqual(await r.read(0, a.length), a);
        assert.deepEqual(await r.read(a.length, b.length), b);
        await r.close();
        await expect(store, A.REPLACE_FILE, 0, 'a', 'b');
        const r2 = await store.openRead('a');
        assert.deepEqual(await r2.read(0, 3_000_000), b);
        await r2.close();
      });

      it('replace file: file 1 contents replaced by file 2', async ({ store }) => {
        await writeText(store, 'one', 'a much longer old content');
        await writeText(store, 'two', 'new');
        await expect(store, A.REPLACE_FILE, 0, 'one', 'two');
        assert.equal(await readText(store, 'one'), 'new');
        assert.equal(await readText(store, 'two'), 'new', 'file 2 unchanged');
        await expect(store, A.REPLACE_FILE, 0, 'two', '/two');
        assert.equal(await readText(store, 'two'), 'new', 'replace by itself keeps contents');
        await expect(store, A.REPLACE_FILE, 1, 'missing', 'two');
        await expect(store, A.REPLACE_FILE, 2, 'one', 'missing');
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.REPLACE_FILE, 3, 'd', 'two');
        await expect(store, A.REPLACE_FILE, 3, 'one', 'd');
      });

      it('create directory', async ({ store }) => {
        await expect(store, A.CREATE_DIRECTORY, 0, 'd');
        await expect(store, A.CREATE_DIRECTORY, 0, 'd/e');
        assert.equal((await store.stat('d/e'))?.isDirectory, true);
        await expect(store, A.CREATE_DIRECTORY, 1, 'd');
        await expect(store, A.CREATE_DIRECTORY, 1, 'x/y');
        await writeText(store, 'f', '');
        await expect(store, A.CREATE_DIRECTORY, 1, 'f');
        await expect(store, A.CREATE_DIRECTORY, 1, '');
      });

      it('remove directory', async ({ store }) => {
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await store.execute(A.CREATE_DIRECTORY, 'full');
        await writeText(store, 'full/f', 'x');
        await expect(store, A.REMOVE_DIRECTORY, 0, 'd');
        assert.equal(await store.stat('d'), undefined);
        await expect(store, A.REMOVE_DIRECTORY, 1, 'd');
        await expect(store, A.REMOVE_DIRECTORY, 2, 'full');
        assert.equal(await readText(store, 'full/f'), 'x');
        await expect(store, A.REMOVE_DIRECTORY, 2, 'full/f');
        await expect(store, A.REMOVE_DIRECTORY, 2, '/');
      });

      it('deny file: delete if present, success if absent', async ({ store }) => {
        await writeText(store, 'f', 'x');
        await expect(store, A.DENY_FILE, 0, 'f');
        assert.equal(await store.stat('f'), undefined);
        await expect(store, A.DENY_FILE, 0, 'f');
        await expect(store, A.DENY_FILE, 0, 'nodir/f');
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.DENY_FILE, 2, 'd');
      });

      it('deny directory: remove if present, success if absent', async ({ store }) => {
        await store.execute(A.CREATE_DIRECTORY, 'd');
        await expect(store, A.DENY_DIRECTORY, 0, 'd');
        assert.equal(await store.stat('d'), undefined);
        await expect(store, A.DENY_DIRECTORY, 0, 'd');
        await store.execute(A.CREATE_DIRECTORY, 'full');
        await writeText(store, 'full/f', 'x');
        await expect(store, A.DENY_DIRECTORY, 2, 'full');
        await expect(store, A.DENY_DIRECTORY, 2, 'full/f');
      });

      it('not performed: refused paths, missing names, unknown actions', async ({ store }) => {
        await writeText(store, 'f', 'x');
        for (const action of Object.values(A)) {
          await expect(store, action, 15, '../escape', 'f');
          await expect(store, action, 15, 'f\0', 'f');
        }
        await expect(store, A.APPEND_FILE, 15, 'f', '../../etc/passwd');
        await expect(store, A.REPLACE_FILE, 15, 'f', '');
        await expect(store, 9 as FilestoreAction, 15, 'f');
        await expect(store, -1 as FilestoreAction, 15, 'f');
        assert.equal(await readText(store, 'f'), 'x');
      });
    });

    it(`streams a large file in 1 MiB chunks${options.checkRss === true ? ' with bounded RSS' : ''}`, async ({
      store,
    }) => {
      const total = options.largeFileBytes ?? 8 << 20;
      const chunk = 1 << 20;
      const buf = new Uint8Array(chunk);
      const fill = (i: number): void => {
        for (let k = 0; k < chunk; k += 4096) buf[k] = (i * 31 + k / 4096) & 0xff;
        buf[chunk - 1] = i & 0xff;
      };
      const base = process.memoryUsage().rss;
      let peak = base;
      const w = await store.openWrite('large.bin', { truncate: true });
      for (let i = 0; i < total / chunk; i++) {
        fill(i);
        await w.write(i * chunk, buf);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      await w.close();
      assert.equal((await store.stat('large.bin'))?.size, total);
      const r = await store.openRead('large.bin');
      for (let i = 0; i < total / chunk; i++) {
        const got = await r.read(i * chunk, chunk);
        fill(i);
        assert.equal(got.length, chunk);
        for (let k = 0; k < chunk; k += 4096) {
          if (got[k] !== buf[k]) assert.fail(`chunk ${i} octet ${k}`);
        }
        assert.equal(got[chunk - 1], i & 0xff);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      await r.close();
      if (options.checkRss === true) {
        const growth = peak - base;
        if (process.env['CCSDS_TEST_VERBOSE'] !== undefined) console.log(`RSS growth ${growth}`);
        assert.ok(
          growth < total * 0.75,
          `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB for a ${total / 2 ** 20} MiB file`,
        );
      }
    });

    if (options.symbolicLinks !== true) return;
    it('symbolic links: out of the root refused, inside the root allowed', async (s) => {
      const { store, hostRoot } = s;
      assert.ok(hostRoot !== undefined, 'the factory must give hostRoot');
      const outside = mkdtempSync(join(tmpdir(), 'ccsds-outside-'));
      try {
        writeFileSync(join(outside, 'secret'), 'secret');
        mkdirSync(join(hostRoot, 'real'));
        writeFileSync(join(hostRoot, 'real', 'ok.txt'), 'ok');
        symlinkSync(join(outside, 'secret'), join(hostRoot, 'to-secret'));
        symlinkSync(outside, join(hostRoot, 'to-outside'));
        symlinkSync(join(outside, 'not-yet'), join(hostRoot, 'dangling'));
        symlinkSync(join(hostRoot, 'real'), join(hostRoot, 'to-real'));
        symlinkSync('ok.txt', join(hostRoot, 'real', 'rel-ok'));
        symlinkSync('../../', join(hostRoot, 'real', 'up'));
        for (const p of ['to-secret', 'to-outside/secret', 'to-outside/new', 'real/up/x']) {
          await rejectsInvalid(store.openRead(p), `read ${p}`);
          await rejectsInvalid(store.openWrite(p), `write ${p}`);
          await rejectsInvalid(store.stat(p), `stat ${p}`);
          const r = await store.execute(FilestoreAction.CREATE_FILE, p);
          assert.equal(r.status, FilestoreStatus.NOT_PERFORMED, `create ${p}`);
        }
        await rejectsInvalid(store.openWrite('dangling'), 'write through a dangling link');
        await rejectsInvalid(store.list('to-outside'), 'list through a link out');
        await rejectsInvalid(store.rename('real/ok.txt', 'to-outside/stolen'), 'rename out');
        const r = await store.execute(FilestoreAction.APPEND_FILE, 'real/ok.txt', 'to-secret');
        assert.equal(r.status, FilestoreStatus.NOT_PERFORMED);
        assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'secret');
        assert.deepEqual(
          (await store.list('')).map((e) => e.name),
          ['real', 'to-real'],
          'links out and dangling links are not listed',
        );
        // Inside the root, links are followed.
        assert.equal(await readText(store, 'to-real/ok.txt'), 'ok');
        assert.equal(await readText(store, 'real/rel-ok'), 'ok');
        await writeText(store, 'to-real/via-link.txt', 'written');
        assert.equal(readFileSync(join(hostRoot, 'real', 'via-link.txt'), 'utf8'), 'written');
        assert.equal((await store.stat('to-real'))?.isDirectory, true);
        // remove acts on the link itself.
        await store.remove('to-secret');
        assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'secret');
        await store.remove('real/rel-ok');
        assert.equal(await readText(store, 'real/ok.txt'), 'ok');
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });
  });
}
