/**
 * A CFDP sender stops in the middle of a Class 2 transfer and a new one, started on the same
 * journal, resumes it: two entities over UDP on 127.0.0.1, real folders, the file journal.
 * (The crash tests do the same with `kill -9` of a real process.)
 *
 * Run: `node --import tsx --conditions=ccsds-source examples/cfdp-crash-recovery.ts`
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from 'ccsds/core';
import { CfdpEntity, simpleMib } from 'ccsds/cfdp';
import { FileJournal } from 'ccsds/cfdp/node';
import { NativeFileStore } from 'ccsds/filestore/node';
import { createTransport } from 'ccsds/transport/node';

const dir = mkdtempSync(join(tmpdir(), 'cfdp-recovery-'));
const timers = {
  ackTimerMs: 300,
  nakTimerMs: 300,
  keepAliveIntervalMs: 0,
  sendRateBytesPerSecond: 2_000_000,
};
const file = new Uint8Array(3 << 20).map((_, i) => (i * 31) & 0xff);
writeFileSync(join(dir, 'science.bin'), file);

const rxTransport = await createTransport('udp://127.0.0.1:0');
const txTransport = await createTransport('udp://127.0.0.1:0');
const receiver = new CfdpEntity({
  mib: simpleMib(2, [{ entityId: 1, address: txTransport.address, ...timers }]),
  transport: rxTransport,
  filestore: await NativeFileStore.open(join(dir, 'rx'), { create: true }),
  clock: new RealClock(),
});

async function sender(): Promise<{ entity: CfdpEntity; journal: FileJournal }> {
  const journal = FileJournal.open(join(dir, 'state'));
  const entity = new CfdpEntity({
    mib: simpleMib(1, [{ entityId: 2, address: rxTransport.address, ...timers }]),
    transport: txTransport,
    filestore: await NativeFileStore.open(dir),
    clock: new RealClock(),
    journal,
  });
  return { entity, journal };
}

const first = await sender();
const id = await first.entity.put({
  destinationEntityId: 2,
  sourceFileName: 'science.bin',
  destinationFileName: 'science.bin',
});
await new Promise((r) => setTimeout(r, 600));
console.log(`sender stops after ${first.entity.list()[0]?.progress ?? 0} of ${file.length} octets`);
await first.entity.close(0); // with a journal, open transactions stay resumable
first.journal.close();

const second = await sender();
console.log('recovered', await second.entity.recover());
const result = await second.entity.waitFor(id);
const got = readFileSync(join(dir, 'rx', 'science.bin'));
console.log(
  `condition ${result.conditionCode}; file ${Buffer.compare(got, file) === 0 ? 'identical' : 'DIFFERENT'}`,
);
console.log(
  `next put uses sequence number ${second.entity.nextSequenceNumber} (the first used ${id.sequenceNumber})`,
);

await second.entity.close(0);
second.journal.close();
await receiver.close(0);
await txTransport.close();
await rxTransport.close();
rmSync(dir, { recursive: true, force: true });
