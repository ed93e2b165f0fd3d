/**
 * Reliability of forwarding over TCPCLv4 on real sockets: a TCP relay between two agents cuts
 * the session in the middle of a transfer, or swallows the acknowledgements; the bundles stay
 * in the sender's store, go again over the next session, and reach the application exactly
 * once (the receiver suppresses the copies it already delivered).
 */
import assert from 'node:assert/strict';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { test } from 'node:test';
import { RealClock, SeededRandom, toHex } from 'ccsds/core';
import { parseHostPort } from 'ccsds/transport';
import { BundleAgent, MemoryBundleStore } from 'ccsds/bp';
import { TcpclConvergenceLayer } from 'ccsds/bp/node';

/** What the relay does to the n-th connection through it. */
interface Fault {
  /** Close both sides once this many octets went from the client (sender) to the server. */
  upstreamBytes?: number;
  /** Forward only this many octets from the server back to the client; swallow the rest. */
  downstreamBytes?: number;
}

/** A TCP relay on 127.0.0.1 with faults for its first connections. */
async function relay(
  target: string,
  faults: Fault[],
): Promise<{
  address: string;
  connections: number;
  cut: () => void;
  close: () => Promise<void>;
}> {
  const { host, port } = parseHostPort(target);
  const live = new Set<Socket>();
  const state = {
    address: '',
    connections: 0,
    cut: () => {
      for (const s of live) s.destroy();
    },
    close: async () => {
      state.cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((client) => {
    const fault = faults[state.connections++] ?? {};
    const upstream = connect({ host, port });
    for (const s of [client, upstream]) {
      live.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        live.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    let up = 0;
    client.on('data', (d: Buffer) => {
      if (fault.upstreamBytes !== undefined && up + d.length >= fault.upstreamBytes) {
        upstream.write(d.subarray(0, fault.upstreamBytes - up), () => {
          client.destroy();
          upstream.destroy();
        });
        up = fault.upstreamBytes;
        return;
      }
      up += d.length;
      upstream.write(d);
    });
    let down = 0;
    upstream.on('data', (d: Buffer) => {
      const room =
        fault.downstreamBytes === undefined ? d.length : Math.max(0, fault.downstreamBytes - down);
      down += d.length;
      if (room > 0) client.write(d.subarray(0, Math.min(room, d.length)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  state.address = `tcpcl://127.0.0.1:${a.port}`;
  return state;
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(faults: Fault[]) {
  const cb = await TcpclConvergenceLayer.open({ nodeId: 'ipn:2.0', segmentMru: 8192 });
  const ca = await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' });
  const r = await relay(cb.address, faults);
  const store = new MemoryBundleStore();
  const clock = new RealClock();
  const a = new BundleAgent({
    node: 1,
    clock,
    clas: [ca],
    store,
    routes: [{ node: 2, address: r.address }],
    retryIntervalMs: 100,
  });
  const b = new BundleAgent({ node: 2, clock, clas: [cb] });
  a.events.on('error', () => undefined);
  b.events.on('error', () => undefined);
  const got: string[] = [];
  b.register(1).events.on('bundle', (p) => got.push(toHex(p)));
  return {
    a,
    b,
    store,
    r,
    got,
    close: async () => {
      a.close();
      b.close();
      await r.close();
      await ca.close();
      await cb.close();
    },
  };
}

test('TCPCL session cut in the middle of a transfer: the bundles go again over the next session, each delivered once', async () => {
  const rng = new SeededRandom(9174);
  // First connection dies after 100,000 octets: inside the 200 KiB bundle (25 segments of 8 KiB).
  const t = await setup([{ upstreamBytes: 100_000 }]);
  try {
    const payloads = [rng.bytes(200 * 1024), rng.bytes(3000), rng.bytes(70_000), rng.bytes(10)];
    for (const p of payloads) await t.a.send('ipn:2.1', p);
    await until('every bundle delivered', () => t.got.length >= payloads.length);
    await until('the sender store emptied', () => t.store.size === 0);
    await new Promise((r) => setTimeout(r, 200)); // anything extra would show up now
    assert.deepEqual([...t.got].sort(), payloads.map((p) => toHex(p)).sort());
    assert.ok(t.r.connections >= 2, 'a second session carried the bundles');
    assert.ok(t.a.counts.retransmissions >= 1);
    assert.equal(t.a.counts.forwarded, payloads.length);
    assert.equal(t.a.storedCount, 0);
  } finally {
    await t.close();
  }
});

test('TCPCL acknowledgements lost: the sender retransmits, the receiver suppresses the duplicates', async () => {
  const rng = new SeededRandom(7);
  // First connection: the receiver's contact header (6) and SESS_INIT (25 + 7) reach the
  // sender, no XFER_ACK does.
  const t = await setup([{ downstreamBytes: 6 + 32 }]);
  try {
    const payloads = [rng.bytes(20_000), rng.bytes(500), rng.bytes(9000)];
    for (const p of payloads) await t.a.send('ipn:2.1', p);
    await until('the receiver delivered them', () => t.got.length === payloads.length);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(t.a.counts.forwarded, 0, 'nothing acknowledged yet');
    assert.equal(t.store.size, payloads.length, 'all still in the sender store');
    t.r.cut(); // the session drops; the sender opens a new one and sends them again
    await until('the sender store emptied', () => t.store.size === 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.got.length, payloads.length, 'each payload delivered once');
    assert.deepEqual(
      t.got,
      payloads.map((p) => toHex(p)),
    );
    assert.equal(t.b.counts.duplicates, payloads.length);
    assert.equal(t.a.counts.forwarded, payloads.length);
  } finally {
    await t.close();
  }
});

test('send window: at most maxInFlightBundles bundles are handed to the convergence layer at once', async () => {
  const t = await setup([{ downstreamBytes: 6 + 32 }]);
  const rng = new SeededRandom(3);
  const c3 = await TcpclConvergenceLayer.open({ nodeId: 'ipn:3.0' });
  const a2 = new BundleAgent({
    node: 3,
    clock: new RealClock(),
    clas: [c3],
    routes: [{ node: 2, address: t.r.address }],
    maxInFlightBundles: 4,
    maxInFlightBytes: 1 << 20,
  });
  a2.events.on('error', () => undefined);
  try {
    // The relay's first connection (used by a2) never returns acknowledgements.
    for (let i = 0; i < 10; i++) await a2.send('ipn:2.1', rng.bytes(1000));
    await until('the window filled', () => a2.linkBacklog(t.r.address).inFlight === 4);
    await new Promise((r) => setTimeout(r, 100));
    const backlog = a2.linkBacklog(t.r.address);
    assert.equal(backlog.queued, 6);
    assert.equal(backlog.inFlight, 4);
    assert.ok(backlog.inFlightBytes > 4000 && backlog.inFlightBytes < 4 * 1200);
    assert.equal(t.got.length, 4);
    t.r.cut();
    await until('all delivered', () => a2.storedCount === 0);
    assert.equal(t.got.length, 10);
  } finally {
    a2.close();
    await c3.close();
    await t.close();
  }
});
