import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock, toHex } from 'ccsds/core';
import { CfdpEntity, ConditionCode, simpleMib, type CfdpEvents } from 'ccsds/cfdp';
import { type FileHandle, MemoryFileStore } from 'ccsds/filestore';
import { SimulatedNetwork } from 'ccsds/transport';
import { readAll, runUntil, writeRandomFile } from './sim.js';

type Finished = CfdpEvents['transactionFinished'][0];

/** A memory filestore whose write handles go through `wrap`. */
function wrappedStore(
  clock: SimulatedClock,
  wrap: (h: FileHandle) => Partial<FileHandle>,
): MemoryFileStore {
  const fs = new MemoryFileStore({ now: () => clock.now() });
  const open = fs.openWrite.bind(fs);
  fs.openWrite = async (path, options) => {
    const h = await open(path, options);
    return { ...bind(h), ...wrap(h) };
  };
  return fs;
}

function bind(h: FileHandle): FileHandle {
  return {
    read: (o, n) => h.read(o, n),
    write: (o, d) => h.write(o, d),
    size: () => h.size(),
    sync: () => h.sync(),
    close: () => h.close(),
  };
}

async function transfer(
  seed: number,
  size: number,
  fsB: (clock: SimulatedClock) => MemoryFileStore,
  loss = 0,
): Promise<{ data: Uint8Array; got: Uint8Array | undefined; rx: Finished; tx: Finished }> {
  const clock = new SimulatedClock({ seed });
  const net = new SimulatedNetwork(clock);
  net.setLink('a', 'b', { loss, delayMs: 5 });
  const fsA = new MemoryFileStore({ now: () => clock.now() });
  const storeB = fsB(clock);
  const remote = { maxFileSegmentLength: 1000, checksumType: 3 };
  const a = new CfdpEntity({
    mib: simpleMib(1, [{ entityId: 2, address: 'sim://b', ...remote }]),
    transport: net.node('a'),
    filestore: fsA,
    clock,
  });
  const b = new CfdpEntity({
    mib: simpleMib(2, [{ entityId: 1, address: 'sim://a', ...remote }]),
    transport: net.node('b'),
    filestore: storeB,
    clock,
  });
  const data = await writeRandomFile(fsA, 'out.bin', size, seed);
  let rx: Finished | undefined;
  let tx: Finished | undefined;
  a.events.on('transactionFinished', (e) => (tx = e));
  b.events.on('transactionFinished', (e) => (rx = e));
  await a.put({
    destinationEntityId: 2,
    sourceFileName: 'out.bin',
    destinationFileName: 'in.bin',
    transmissionClass: 2,
  });
  await runUntil(clock, () => rx !== undefined && tx !== undefined);
  assert.ok(rx !== undefined && tx !== undefined, 'both ends finished');
  return { data, got: await readAll(storeB, 'in.bin'), rx, tx };
}

test('receiver: slow writes behind the PDUs and 20% loss; the CRC joins out-of-order runs without reading the file back', async () => {
  let reads = 0;
  let writing = 0;
  let most = 0;
  // Seed 2 loses data PDUs but not the Metadata (a late Metadata means a read back).
  const r = await transfer(
    2,
    3_000_000,
    (clock) =>
      wrappedStore(clock, (h) => ({
        read: (o, n) => {
          reads++;
          return h.read(o, n);
        },
        write: async (o, d) => {
          most = Math.max(most, ++writing);
          // A slow disk: the write completes several event-loop turns later.
          for (let i = 0; i < 5; i++) await new Promise<void>((res) => setImmediate(res));
          await h.write(o, d);
          writing--;
        },
      })),
    0.2,
  );
  assert.equal(r.rx.conditionCode, ConditionCode.NO_ERROR);
  assert.equal(r.tx.conditionCode, ConditionCode.NO_ERROR);
  assert.equal(toHex(r.got ?? new Uint8Array(0)), toHex(r.data));
  assert.equal(reads, 0, 'no read back of the received file');
  assert.ok(most > 1 && most <= 4, `writes under way at once: ${most}`);
});

test('receiver: a write failing behind the PDUs ends the transaction with filestore rejection, no file', async () => {
  let written = 0;
  const r = await transfer(8, 2_000_000, (clock) =>
    wrappedStore(clock, (h) => ({
      write: async (o, d) => {
        written += d.length;
        if (written > 600_000) throw new Error('ENOSPC: no space left on device');
        await h.write(o, d);
      },
    })),
  );
  assert.equal(r.rx.conditionCode, ConditionCode.FILESTORE_REJECTION);
  assert.equal(r.got, undefined);
});
