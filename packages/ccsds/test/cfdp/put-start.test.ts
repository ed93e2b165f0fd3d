/**
 * A sender joins the entity's send schedule only once its file is open (CCSDS 727.0-B-5 §4.2:
 * file data follows the Metadata of a file that could be read). Regression: a put whose file
 * took a while to open, started while another transfer kept the schedule busy, was asked for
 * file data before the file was open, read nothing and failed with a file size error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConditionCode, type CfdpEvents } from 'ccsds/cfdp';
import { readAll, runUntil, simPair, writeRandomFile } from './sim.js';

test('a put whose file opens slowly, started during another transfer, completes', async () => {
  const pair = simPair(7);
  const busy = await writeRandomFile(pair.fsA, 'busy.bin', 300_000, 1);
  const slow = await writeRandomFile(pair.fsA, 'slow.bin', 50_000, 2);
  const openRead = pair.fsA.openRead.bind(pair.fsA);
  pair.fsA.openRead = async (path: string) => {
    // Many turns of the event loop: the busy transfer's sends go on meanwhile.
    if (path === 'slow.bin')
      for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    return openRead(path);
  };
  const finished = new Map<string, CfdpEvents['transactionFinished'][0]>();
  pair.a.events.on('transactionFinished', (e) =>
    finished.set(String(e.transactionId.sequenceNumber), e),
  );
  const b = await pair.a.put({
    destinationEntityId: 2,
    sourceFileName: 'busy.bin',
    destinationFileName: 'busy.bin',
  });
  const putSlow = pair.a.put({
    destinationEntityId: 2,
    sourceFileName: 'slow.bin',
    destinationFileName: 'slow.bin',
  });
  let s: Awaited<typeof putSlow> | undefined;
  void putSlow.then((id) => (s = id));
  assert.ok(await runUntil(pair.clock, () => s !== undefined && finished.size === 2));
  assert.equal(finished.get(String(b.sequenceNumber))!.conditionCode, ConditionCode.NO_ERROR);
  assert.equal(finished.get(String(s!.sequenceNumber))!.conditionCode, ConditionCode.NO_ERROR);
  assert.deepEqual(await readAll(pair.fsB, 'slow.bin'), slow);
  assert.deepEqual(await readAll(pair.fsB, 'busy.bin'), busy);
});
