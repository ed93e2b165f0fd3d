import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RealClock, SeededRandom, SimulatedClock } from 'ccsds/core';

test('simulated clock fires timers in time order, ties in the order set', () => {
  const c = new SimulatedClock({ startTime: 1000 });
  const log: string[] = [];
  c.setTimer(50, () => log.push(`a@${c.now()}`));
  c.setTimer(10, () => log.push(`b@${c.now()}`));
  const x = c.setTimer(10, () => log.push('cancelled'));
  c.setTimer(10, () => {
    log.push(`c@${c.now()}`);
    c.setTimer(0, () => log.push(`d@${c.now()}`));
  });
  c.cancelTimer(x);
  c.advance(20);
  assert.deepEqual(log, ['b@1010', 'c@1010', 'd@1010']);
  assert.equal(c.now(), 1020);
  c.runUntilIdle();
  assert.deepEqual(log.at(-1), 'a@1050');
  assert.equal(c.pendingTimers, 0);
});

test('a 20-minute light time round trip runs instantly in virtual time', () => {
  const c = new SimulatedClock();
  let arrivals = 0;
  for (let i = 0; i < 10_000; i++) c.setTimer(20 * 60_000 + i, () => arrivals++);
  const t0 = Date.now();
  c.runUntilIdle();
  assert.equal(arrivals, 10_000);
  assert.equal(c.now(), 20 * 60_000 + 9_999);
  assert.ok(Date.now() - t0 < 5000);
});

test('runUntilIdle detects simulations that never settle', () => {
  const c = new SimulatedClock();
  const tick = (): void => void c.setTimer(1, tick);
  tick();
  assert.throws(() => c.runUntilIdle(1000), { code: 'LIMIT_EXCEEDED' });
});

test('seeded randomness is reproducible and roughly uniform', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b.next()),
  );
  assert.notDeepEqual(
    xs.slice(0, 10),
    Array.from({ length: 10 }, () => new SeededRandom(43).next()),
  );
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  const r = new SeededRandom(1);
  const ns = Array.from({ length: 20000 }, () => r.normal());
  const m = ns.reduce((s, x) => s + x, 0) / ns.length;
  const v = ns.reduce((s, x) => s + (x - m) ** 2, 0) / ns.length;
  assert.ok(Math.abs(m) < 0.05 && Math.abs(v - 1) < 0.05);
});

test('real clock fires and cancels', async () => {
  const c = new RealClock();
  let fired = 0;
  const id = c.setTimer(5, () => fired++);
  c.cancelTimer(id);
  await new Promise<void>((resolve) => c.setTimer(10, resolve));
  assert.equal(fired, 0);
  assert.equal(c.pendingTimers, 0);
  assert.ok(Math.abs(c.now() - Date.now()) < 1000);
});
