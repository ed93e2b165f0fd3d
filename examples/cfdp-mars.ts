/**
 * CFDP between Earth and Mars in virtual time: 20 minutes one-way light time, 30% of PDUs lost,
 * Class 2. Runs in well under a second of real time.
 * Run: `node --import tsx --conditions=ccsds-source examples/cfdp-mars.ts`
 */
import { SimulatedClock } from 'ccsds/core';
import { CfdpEntity, simpleMib } from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { SimulatedNetwork } from 'ccsds/transport';

const clock = new SimulatedClock({ seed: 7 });
const net = new SimulatedNetwork(clock);
net.setLink('earth', 'mars', { delayMs: 20 * 60_000, loss: 0.3 });
const timers = {
  ackTimerMs: 41 * 60_000,
  nakTimerMs: 41 * 60_000,
  inactivityTimerMs: 6 * 3600_000,
  ackLimit: 20,
  nakLimit: 50,
};
const earthFs = new MemoryFileStore();
const marsFs = new MemoryFileStore();
const earth = new CfdpEntity({
  mib: simpleMib(1, [{ entityId: 2, address: 'sim://mars', ...timers }]),
  transport: net.node('earth'),
  filestore: earthFs,
  clock,
});
const mars = new CfdpEntity({
  mib: simpleMib(2, [{ entityId: 1, address: 'sim://earth', ...timers }]),
  transport: net.node('mars'),
  filestore: marsFs,
  clock,
});

const plan = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
const h = await earthFs.openWrite('plan.bin');
await h.write(0, plan);
await h.close();

let marsDone = false;
mars.events.on('transactionFinished', (e) => {
  marsDone = true;
  console.log(
    `Mars: transaction closed at T+${(clock.now() / 60_000).toFixed(0)} min, condition ${e.conditionCode}`,
  );
});
const id = await earth.put({
  destinationEntityId: 2,
  sourceFileName: 'plan.bin',
  destinationFileName: 'plan.bin',
});
const done = earth.waitFor(id);
// Drive virtual time: fire timers, letting promise jobs run in between.
let finished = false;
let earthAt = 0;
void done.then(() => {
  finished = true;
  earthAt = clock.now();
});
await clock.runAsync({ until: () => finished && marsDone });
const result = await done;
const got = await (await marsFs.openRead('plan.bin')).read(0, plan.length);
console.log(
  `Earth: Finished at T+${(earthAt / 60_000).toFixed(0)} min, condition ${result.conditionCode}; file ${got.every((b, i) => b === plan[i]) ? 'identical' : 'DIFFERENT'}`,
);
const s = net.stats.get('sim://earth->sim://mars')!;
console.log(`uplink: ${s.sent} PDUs sent, ${s.lost} lost`);
