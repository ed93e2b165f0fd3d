import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SeededRandom, SimulatedClock, toHex } from 'ccsds/core';
import { MemoryNetwork } from 'ccsds/transport';
import {
  BlockFlags,
  BundleAgent,
  BundleFlags,
  DTN_EPOCH_UNIX_MS,
  PlainConvergenceLayer,
  StatusReason,
  createBundle,
  decodeBundle,
  encodeBundle,
  formatEid,
  hopCountOf,
  parseEid,
  previousNodeOf,
  withExtensionBlock,
  type Bundle,
} from 'ccsds/bp';
import { DirectoryBundleStore } from 'ccsds/bp/node';

const T0 = DTN_EPOCH_UNIX_MS + 848_632_306_246;
const flushMicrotasks = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function node(
  net: MemoryNetwork,
  clock: SimulatedClock,
  n: number,
  routes: { node: number; address: string }[],
  extra = {},
) {
  const cla = new PlainConvergenceLayer(net.endpoint(`n${n}`), 'mem', 'mem');
  return new BundleAgent({ node: n, clock, clas: [cla], routes, ...extra });
}

test('agent: delivery over a two-hop route; previous node and hop count updated; status reports', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const net = new MemoryNetwork();
  const a = node(net, clock, 1, [{ node: 3, address: 'mem://n2' }]);
  const b = node(net, clock, 2, [
    { node: 3, address: 'mem://n3' },
    { node: 1, address: 'mem://n1' },
  ]);
  const c = node(net, clock, 3, [{ node: 1, address: 'mem://n2' }]);
  const got: Bundle[] = [];
  c.register(7).events.on('bundle', (_p, bundle) => got.push(bundle));
  const reports: number[] = [];
  a.events.on('adminRecord', (r) => {
    if ('report' in r) reports.push(r.report.delivered.asserted ? 1 : 0);
  });
  const sent = await a.send('ipn:3.7', new TextEncoder().encode('hello'), {
    hopLimit: 5,
    flags: BundleFlags.REPORT_DELIVERY,
  });
  await flushMicrotasks();
  assert.equal(got.length, 1);
  assert.equal(new TextDecoder().decode(got[0]!.blocks.at(-1)!.data), 'hello');
  assert.equal(formatEid(previousNodeOf(got[0]!)!), 'ipn:2.0');
  assert.deepEqual(hopCountOf(got[0]!), { limit: 5, count: 1 });
  assert.equal(got[0]!.primary.creationTime, sent.primary.creationTime);
  assert.deepEqual(reports, [1]);
  assert.equal(b.counts.forwarded, 2); // the bundle, and the report on its way back
  for (const x of [a, b, c]) assert.equal(x.storedCount, 0);
});

test('agent: bundles wait for the next contact, and expire (with a deletion report) when none comes in time', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const net = new MemoryNetwork();
  const a = node(net, clock, 1, [{ node: 2, address: 'mem://n2' }], {
    contacts: [{ address: 'mem://n2', start: T0 + 60_000, end: T0 + 120_000 }],
  });
  const b = node(net, clock, 2, [{ node: 1, address: 'mem://n1' }]);
  const got: string[] = [];
  b.register(1).events.on('bundle', (p) => got.push(new TextDecoder().decode(p)));
  await a.send('ipn:2.1', new TextEncoder().encode('waits'), { lifetime: 600_000 });
  const deleted: number[] = [];
  a.events.on('deleted', (_b, reason) => deleted.push(reason));
  const reports: number[] = [];
  a.events.on('adminRecord', (r) => 'report' in r && reports.push(r.report.reason));
  await a.send('ipn:2.1', new TextEncoder().encode('too late'), {
    lifetime: 30_000,
    flags: BundleFlags.REPORT_DELETION,
  });
  await flushMicrotasks();
  assert.equal(a.storedCount, 2);
  clock.advance(30_001);
  await flushMicrotasks();
  assert.deepEqual(deleted, [StatusReason.LIFETIME_EXPIRED]);
  assert.equal(got.length, 0);
  clock.advance(30_000);
  await flushMicrotasks();
  assert.deepEqual(got, ['waits']);
  // The deletion report went to the report-to endpoint ipn:1.1, this node: the agent took it.
  assert.deepEqual(reports, [StatusReason.LIFETIME_EXPIRED]);
  assert.equal(a.storedCount, 0);
  assert.equal(b.storedCount, 0);
});

test('agent: each stored bundle expires at its own lifetime, also after others left the store out of order', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const net = new MemoryNetwork();
  const a = node(net, clock, 1, []);
  const rnd = new SeededRandom(9);
  // Bundles for two local services with no registration yet: both wait in the store.
  const expiry = new Map<number, number>(); // sequence number -> expiry time
  for (let i = 0; i < 300; i++) {
    const lifetime = 1_000 + rnd.nextInt(100_000);
    const b = await a.send(`ipn:1.${1 + (i % 2)}`, new Uint8Array([i & 0xff]), { lifetime });
    if (i % 2 === 1) expiry.set(b.primary.sequenceNumber, T0 + lifetime);
  }
  assert.equal(a.storedCount, 300);
  const deleted: { seq: number; at: number }[] = [];
  a.events.on('deleted', (b, reason) => {
    assert.equal(reason, StatusReason.LIFETIME_EXPIRED);
    deleted.push({ seq: b.primary.sequenceNumber, at: clock.now() });
  });
  clock.advance(500);
  // Service 1 registers: its 150 bundles are delivered and leave the store (and the expiry
  // heap) from all over it.
  let delivered = 0;
  a.register(1).events.on('bundle', () => delivered++);
  await flushMicrotasks();
  assert.equal(delivered, 150);
  assert.equal(a.storedCount, 150);
  for (let t = 0; t < 102_000; t += 250) {
    clock.advance(250);
    await flushMicrotasks();
  }
  assert.equal(a.storedCount, 0);
  // Exactly the bundles for service 2 expired, each within one step after its expiry time.
  assert.deepEqual(
    deleted.map((d) => d.seq).sort((x, y) => x - y),
    [...expiry.keys()].sort((x, y) => x - y),
  );
  for (const d of deleted) {
    const e = expiry.get(d.seq)!;
    assert.ok(
      d.at >= e && d.at < e + 250,
      `bundle ${d.seq} expired at ${d.at - T0}, due ${e - T0}`,
    );
  }
});

test('agent: the store keeps bundles across restarts until forwarded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bp-store-'));
  try {
    const clock = new SimulatedClock({ startTime: T0 });
    const net = new MemoryNetwork();
    const store = new DirectoryBundleStore(dir);
    const a1 = new BundleAgent({
      node: 1,
      clock,
      store,
      clas: [new PlainConvergenceLayer(net.endpoint('n1'), 'mem', 'mem')],
    });
    await a1.send('ipn:2.1', new Uint8Array([1, 2, 3]));
    await a1.send('ipn:2.1', new Uint8Array([4]));
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.bundle')).length, 2);
    a1.close();
    const b = node(net, clock, 2, []);
    const got: number[][] = [];
    b.register(1).events.on('bundle', (p) => got.push([...p]));
    const a2 = new BundleAgent({
      node: 1,
      clock,
      store: new DirectoryBundleStore(dir),
      clas: [new PlainConvergenceLayer(net.endpoint('n1b'), 'mem', 'mem')],
    });
    assert.equal(a2.storedCount, 2);
    a2.addRoute(2, 'mem://n2');
    await flushMicrotasks();
    assert.deepEqual(got.sort(), [[1, 2, 3], [4]]);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.bundle')).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agent: unknown blocks kept, discarded or fatal by their flags; hop limit; invalid input counted', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const net = new MemoryNetwork();
  const b = node(net, clock, 2, [{ node: 3, address: 'mem://n3' }]);
  const c = node(net, clock, 3, []);
  const got: Bundle[] = [];
  c.register(1).events.on('bundle', (_p, x) => got.push(x));
  const deleted: number[] = [];
  b.events.on('deleted', (_x, r) => deleted.push(r));
  b.events.on('error', () => undefined);
  const base = createBundle({
    destination: parseEid('ipn:3.1'),
    source: parseEid('ipn:1.1'),
    payload: new Uint8Array([9]),
    creationTime: 848_632_306_000,
    hopLimit: 3,
  });
  const keep = withExtensionBlock(
    withExtensionBlock(base, 200, new Uint8Array([1]), { flags: 0 }),
    201,
    new Uint8Array([2]),
    { flags: BlockFlags.DISCARD_BLOCK_IF_UNPROCESSABLE },
  );
  b.receive(encodeBundle(keep));
  await flushMicrotasks();
  assert.deepEqual(
    got[0]!.blocks.map((x) => x.blockType).sort((x, y) => x - y),
    [1, 6, 10, 200],
  );
  const fatal = withExtensionBlock(
    { ...base, primary: { ...base.primary, sequenceNumber: 2 } },
    202,
    new Uint8Array([3]),
    { flags: BlockFlags.DELETE_BUNDLE_IF_UNPROCESSABLE },
  );
  b.receive(encodeBundle(fatal));
  const spent = createBundle({
    destination: parseEid('ipn:3.1'),
    source: parseEid('ipn:1.1'),
    payload: new Uint8Array([9]),
    creationTime: 848_632_306_000,
    sequenceNumber: 3,
    hopLimit: 0,
  });
  b.receive(encodeBundle(spent));
  b.receive(new Uint8Array([1, 2, 3]));
  await flushMicrotasks();
  assert.deepEqual(deleted, [StatusReason.BLOCK_UNSUPPORTED, StatusReason.HOP_LIMIT_EXCEEDED]);
  assert.equal(b.counts.invalid, 1);
  assert.equal(got.length, 1);
  assert.equal(toHex(decodeBundle(encodeBundle(got[0]!)).blocks.at(-1)!.data), '09');
});

test('agent: large bundles are fragmented to fit the convergence layer and reassembled', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const net = new MemoryNetwork({ maxMessageLength: 1000 });
  const a = node(net, clock, 1, [{ node: 2, address: 'mem://n2' }]);
  const b = node(net, clock, 2, []);
  const got: Uint8Array[] = [];
  b.register(4).events.on('bundle', (p) => got.push(p));
  const payload = new Uint8Array(5000).map((_, i) => i & 0xff);
  await a.send('ipn:2.4', payload);
  await flushMicrotasks();
  assert.equal(got.length, 1);
  assert.equal(toHex(got[0]!), toHex(payload));
  assert.ok(a.counts.forwarded === 1 && b.counts.received >= 6);
});
