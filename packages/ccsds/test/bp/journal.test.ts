import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DTN_EPOCH_UNIX_MS, BundleAgent, PlainConvergenceLayer } from 'ccsds/bp';
import { DirectoryBundleStore, JournalBundleStore, replayJournal } from 'ccsds/bp/node';
import { SeededRandom, SimulatedClock, toHex } from 'ccsds/core';
import { MemoryNetwork } from 'ccsds/transport';

const tick = () => new Promise((r) => setImmediate(r));
const b = (n: number, seed: number) => new SeededRandom(seed).bytes(n);

function withDir(f: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-bp-journal-'));
    try {
      await f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'journal: puts and deletes of one turn are one write; stored-then-deleted bundles never reach the disk; reload',
  withDir(async (dir) => {
    const s = new JournalBundleStore(dir);
    s.put('a', b(100, 1), 1000.5);
    s.put('b', b(200, 2), 2000);
    s.put('c', b(300, 3), 3000);
    s.delete('c'); // same turn: neither record is written
    await tick();
    assert.equal(s.stats.batches, 1);
    const size1 = statSync(s.file).size;
    assert.equal(size1, 9 + 10 + 1 + 100 + (9 + 10 + 1 + 200));
    s.delete('a');
    s.put('a', b(50, 4), 4000); // a newer put of the same id in the same turn
    await tick();
    assert.equal(s.stats.batches, 2);
    s.close();
    const again = new JournalBundleStore(dir);
    const got = [...again.load()].map((e) => [e.id, toHex(e.bundle), e.receivedAt]);
    assert.deepEqual(got.sort(), [
      ['a', toHex(b(50, 4)), 4000],
      ['b', toHex(b(200, 2)), 2000],
    ]);
    again.close();
  }),
);

test(
  'journal: a torn or corrupt tail is cut off on start; compaction keeps only live records',
  withDir(async (dir) => {
    const s = new JournalBundleStore(dir, { compactAtBytes: 10_000 });
    for (let i = 0; i < 20; i++) s.put(`k${i}`, b(1000, i), i);
    await tick();
    for (let i = 0; i < 18; i++) s.delete(`k${i}`);
    await tick();
    // 20 KiB written, 2 KiB live: compacted to the two live records.
    assert.equal(s.stats.compactions, 1);
    assert.equal(statSync(s.file).size, 2 * (9 + 10 + 3 + 1000));
    s.close();
    const good = readFileSync(s.file);
    appendFileSync(s.file, new Uint8Array([1, 0, 0, 0x10, 0, 9, 9, 9, 9, 1, 2])); // torn put
    const t = new JournalBundleStore(dir);
    assert.deepEqual([...t.load()].map((e) => e.id).sort(), ['k18', 'k19']);
    assert.equal(statSync(t.file).size, good.length, 'the torn tail was cut');
    t.close();
    // A flipped octet inside the first record: replay stops there.
    const bad = new Uint8Array(good);
    bad[30] = bad[30]! ^ 0xff;
    writeFileSync(t.file, bad);
    const u = new JournalBundleStore(dir);
    assert.equal(u.size, 0);
    u.close();
    // Random octets never throw.
    const rng = new SeededRandom(5);
    for (let i = 0; i < 2000; i++) {
      const junk = rng.bytes(rng.nextInt(200));
      if (i % 2 === 0 && junk.length > 0) junk[0] = 1;
      const n = replayJournal(
        junk,
        () => undefined,
        () => undefined,
      );
      assert.ok(n >= 0 && n <= junk.length);
    }
  }),
);

test(
  'journal: an agent keeps bundles across restarts; a DirectoryBundleStore folder is taken over',
  withDir(async (dir) => {
    const clock = new SimulatedClock({ startTime: DTN_EPOCH_UNIX_MS + 1e12 });
    const net = new MemoryNetwork();
    // Entries left by the older store in the same folder.
    const legacy = new DirectoryBundleStore(dir);
    const a0 = new BundleAgent({ node: 1, clock, store: legacy });
    await a0.send('ipn:2.1', new Uint8Array([7, 7]));
    a0.close();
    clock.advance(5); // a restart takes time: a new creation time
    const a1 = new BundleAgent({ node: 1, clock, store: new JournalBundleStore(dir) });
    assert.equal(a1.storedCount, 1);
    await a1.send('ipn:2.1', new Uint8Array([1, 2, 3]));
    a1.close(); // flushes the journal
    assert.equal([...legacy.load()].length, 0, 'legacy entries moved into the journal');
    const rx = new BundleAgent({
      node: 2,
      clock,
      clas: [new PlainConvergenceLayer(net.endpoint('n2'), 'mem', 'mem')],
    });
    const got: string[] = [];
    rx.register(1).events.on('bundle', (p) => got.push(toHex(p)));
    const store = new JournalBundleStore(dir);
    const a2 = new BundleAgent({
      node: 1,
      clock,
      store,
      clas: [new PlainConvergenceLayer(net.endpoint('n1'), 'mem', 'mem')],
      routes: [{ node: 2, address: 'mem://n2' }],
    });
    for (let i = 0; i < 10 && got.length < 2; i++) await tick();
    assert.deepEqual(got.sort(), ['010203', '0707']);
    await tick();
    assert.equal(store.size, 0);
    a2.close();
    rx.close();
    assert.equal(new JournalBundleStore(dir).size, 0);
  }),
);
