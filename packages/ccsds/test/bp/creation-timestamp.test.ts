import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Clock, RealClock, SimulatedClock, type TimerId } from 'ccsds/core';
import { MemoryNetwork } from 'ccsds/transport';
import { BundleAgent, DTN_EPOCH_UNIX_MS, PlainConvergenceLayer, type Bundle } from 'ccsds/bp';
import { JournalBundleStore } from 'ccsds/bp/node';

const T0 = DTN_EPOCH_UNIX_MS + 848_632_306_246;
const flushMicrotasks = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const id = (b: Bundle) => `${b.primary.creationTime}/${b.primary.sequenceNumber}`;

/** A receiver, node 3, on `mem://n3`, collecting the payloads it delivers. */
function receiver(net: MemoryNetwork, clock: Clock) {
  const agent = new BundleAgent({
    node: 3,
    clock,
    clas: [new PlainConvergenceLayer(net.endpoint('n3'), 'mem', 'mem')],
  });
  const got: string[] = [];
  agent.register(1).events.on('bundle', (p) => got.push(new TextDecoder().decode(p)));
  return { agent, got };
}

function sender(net: MemoryNetwork, clock: Clock, name: string, extra = {}) {
  return new BundleAgent({
    node: 1,
    clock,
    clas: [new PlainConvergenceLayer(net.endpoint(name), 'mem', 'mem')],
    routes: [{ node: 3, address: 'mem://n3' }],
    ...extra,
  });
}

/** A clock that can be set back: a simulated clock's time plus an offset. */
class SteppingClock implements Clock {
  offset = 0;
  constructor(readonly sim: SimulatedClock) {}
  now(): number {
    return this.sim.now() + this.offset;
  }
  setTimer(delayMs: number, callback: () => void): TimerId {
    return this.sim.setTimer(delayMs, callback);
  }
  cancelTimer(t: TimerId): void {
    this.sim.cancelTimer(t);
  }
}

test('creation timestamps: an agent re-created in the same millisecond does not reuse a bundle identity; the receiver delivers both', async () => {
  const clock = new SimulatedClock({ startTime: T0 }); // never advanced in this test
  const net = new MemoryNetwork();
  const c = receiver(net, clock);
  const a = sender(net, clock, 'n1a');
  const first = await a.send('ipn:3.1', new TextEncoder().encode('before restart'));
  await flushMicrotasks();
  a.close();
  const b = sender(net, clock, 'n1b'); // the same node, "restarted" in the same millisecond
  const second = await b.send('ipn:3.1', new TextEncoder().encode('after restart'));
  await flushMicrotasks();
  assert.notEqual(id(first), id(second));
  assert.deepEqual(c.got, ['before restart', 'after restart']);
  assert.equal(c.agent.counts.duplicates, 0);
  b.close();
  c.agent.close();
});

test('creation timestamps: agents re-created in a burst, each with a RealClock of its own, never repeat an identity', async () => {
  const net = new MemoryNetwork();
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const a = sender(net, new RealClock(), `n1-${i}`);
    for (let j = 0; j < 3; j++) seen.add(id(await a.send('ipn:3.1', new Uint8Array([i, j]))));
    a.close();
  }
  assert.equal(seen.size, 60);
});

test('creation timestamps: a new agent never creates a bundle in the millisecond it started in (another process may have)', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const net = new MemoryNetwork();
  const a = sender(net, clock, 'n1');
  const b1 = await a.send('ipn:3.1', new Uint8Array([1]));
  const b2 = await a.send('ipn:3.1', new Uint8Array([2]));
  assert.equal(b1.primary.creationTime, T0 - DTN_EPOCH_UNIX_MS + 1);
  assert.deepEqual([b1.primary.sequenceNumber, b2.primary.sequenceNumber], [0, 1]);
  assert.equal(id(b2), `${T0 - DTN_EPOCH_UNIX_MS + 1}/1`);
  clock.advance(5);
  const b3 = await a.send('ipn:3.1', new Uint8Array([3]));
  assert.equal(id(b3), `${T0 - DTN_EPOCH_UNIX_MS + 5}/0`); // the clock's own time again
  a.close();
});

test('creation timestamps: a clock stepped backwards does not make an agent reuse an identity', async () => {
  const sim = new SimulatedClock({ startTime: T0 });
  const clock = new SteppingClock(sim);
  const net = new MemoryNetwork();
  const c = receiver(net, clock);
  const a = sender(net, clock, 'n1');
  const sent: Bundle[] = [];
  sim.advance(5);
  sent.push(await a.send('ipn:3.1', new TextEncoder().encode('t+5')));
  clock.offset = -5; // the clock steps back 5 ms
  sent.push(await a.send('ipn:3.1', new TextEncoder().encode('t+0')));
  sim.advance(5); // and comes back to where it was
  sent.push(await a.send('ipn:3.1', new TextEncoder().encode('t+5 again')));
  await flushMicrotasks();
  assert.equal(new Set(sent.map(id)).size, 3);
  // Creation time never went backwards.
  const times = sent.map((b) => b.primary.creationTime);
  assert.deepEqual(
    times,
    [...times].sort((x, y) => x - y),
  );
  assert.deepEqual(c.got, ['t+5', 't+0', 't+5 again']);
  a.close();
  c.agent.close();
});

test('creation timestamps: after a restart in another process with the clock set back, none at or before a stored bundle of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bp-stamps-'));
  try {
    const net = new MemoryNetwork();
    // First process: its bundle for node 3 waits in the journal (no route yet).
    const clock1 = new SimulatedClock({ startTime: T0 });
    clock1.advance(10);
    const a = new BundleAgent({
      node: 1,
      clock: clock1,
      clas: [new PlainConvergenceLayer(net.endpoint('n1a'), 'mem', 'mem')],
      store: new JournalBundleStore(dir),
    });
    const old = await a.send('ipn:3.1', new TextEncoder().encode('stored'));
    await flushMicrotasks();
    a.close();
    // Second process (a clock object of its own), its clock 5 ms behind the first's.
    const clock2 = new SimulatedClock({ startTime: T0 + 5 });
    const c = receiver(net, clock2);
    const b = sender(net, clock2, 'n1b', { store: new JournalBundleStore(dir) });
    const fresh = [await b.send('ipn:3.1', new TextEncoder().encode('fresh 1'))];
    clock2.advance(5); // the millisecond the first process's bundle was created in
    fresh.push(await b.send('ipn:3.1', new TextEncoder().encode('fresh 2')));
    await flushMicrotasks();
    for (const f of fresh) assert.ok(f.primary.creationTime > old.primary.creationTime);
    assert.deepEqual(c.got.sort(), ['fresh 1', 'fresh 2', 'stored']);
    b.close();
    c.agent.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
