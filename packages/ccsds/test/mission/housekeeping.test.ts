/**
 * Housekeeping accounting on the ground: sample indices survive the 14-bit sequence count's
 * wraps, losses are counted exactly, duplicates once, and packets generated after the cut-off are
 * not held against it — with memory bounded by a window, whatever the run length.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HousekeepingMonitor, HousekeepingSource } from 'ccsds/mission';
import { SimulatedClock } from 'ccsds/core';

test('losses across sequence-count wraps are counted exactly; duplicates once', () => {
  const clock = new SimulatedClock();
  const packets: Uint8Array[] = [];
  const source = new HousekeepingSource(
    clock,
    10,
    () => ({ commandsAccepted: 0, filesReceived: 0, uplinkFrames: 0, mode: 1 }),
    (p) => packets.push(p),
  );
  clock.runUntil(40_000 * 10 - 1);
  source.close();
  assert.equal(packets.length, 40_000);
  const lost = new Set([0, 5, 16_383, 16_384, 20_000, 32_768, 39_990]);
  const monitor = new HousekeepingMonitor();
  for (let i = 0; i < packets.length; i++) {
    if (lost.has(i)) continue;
    monitor.push(packets[i]!);
    if (i % 1000 === 1) monitor.push(packets[i]!); // a duplicate now and then
  }
  assert.equal(monitor.missing(40_000), lost.size);
  // Cut off before the last 100: the later ones (one of them lost) do not count.
  assert.equal(monitor.missing(39_900), lost.size - 1);
  assert.equal(monitor.decoded, 40_000 - lost.size + 40);
  assert.equal(monitor.latest?.mode, 'NOMINAL');
});
