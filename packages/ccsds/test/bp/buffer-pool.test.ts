import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RealClock, SeededRandom } from 'ccsds/core';
import { BundleAgent, type ConvergenceLayer } from 'ccsds/bp';
import { TcpclConvergenceLayer, openUdpCla } from 'ccsds/bp/node';
import { BufferPool } from '../../src/bp/buffer-pool.js';

test('BufferPool: buffers come back by size class, within its bounds', () => {
  const pool = new BufferPool(3, 40_000);
  const a = pool.take(10_000);
  assert.equal(a.length, 12_288); // rounded up to 4 KiB
  const b = pool.take(12_000);
  pool.give(a);
  pool.give(b);
  assert.equal(pool.size, 2);
  assert.equal(pool.take(9_000), b); // same class: the last given back
  assert.equal(pool.take(12_288), a);
  assert.equal(pool.size, 0);
  assert.notEqual(pool.take(12_288), a); // empty: a new one
  // At most 3 buffers and 40,000 octets are kept.
  for (let i = 0; i < 5; i++) pool.give(new Uint8Array(8192));
  assert.equal(pool.size, 3);
  pool.give(new Uint8Array(16_384)); // would pass 40,000 octets
  assert.equal(pool.size, 3);
  pool.give(new Uint8Array(5000)); // not a pool size
  assert.equal(pool.size, 3);
});

async function forwardMany(
  make: () => Promise<[ConvergenceLayer, ConvergenceLayer]>,
  window: number,
) {
  const [ca, cb] = await make();
  const clock = new RealClock();
  const a = new BundleAgent({
    node: 1,
    clock,
    clas: [ca],
    routes: [{ node: 2, address: cb.address }],
  });
  const b = new BundleAgent({ node: 2, clock, clas: [cb] });
  const rnd = new SeededRandom(5);
  const sent: Uint8Array[] = [];
  const got: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  b.register(1).events.on('bundle', (p) => {
    got.push(p.slice());
    wake?.();
  });
  try {
    // Payloads of a few sizes (several share a pool size class), each of its own content; the
    // application reuses one buffer for every payload, as the agent copies it when sending.
    const scratch = new Uint8Array(30_000);
    for (let i = 0; i < 120; i++) {
      while (sent.length - got.length >= window) await new Promise<void>((r) => (wake = r));
      const p = scratch.subarray(0, 20_000 + 1000 * (i % 3));
      p.set(rnd.bytes(p.length));
      sent.push(p.slice());
      await a.send('ipn:2.1', p, { lifetime: 60_000 });
    }
    const end = Date.now() + 5000;
    while (got.length < sent.length && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    assert.equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.deepEqual(got[i], sent[i], `bundle ${i}`);
    // The encodings were reused: some came back to the pool.
    assert.ok((a as unknown as { buffers: BufferPool }).buffers.size > 0);
  } finally {
    a.close();
    b.close();
    await ca.close();
    await cb.close();
  }
}

test('agent: pooled encodings of large bundles are reused without corrupting bundles in flight (TCPCLv4)', async () => {
  await forwardMany(
    async () => [
      await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' }),
      await TcpclConvergenceLayer.open({ nodeId: 'ipn:2.0' }),
    ],
    16,
  );
});

test('agent: pooled encodings of large bundles are reused without corrupting bundles in flight (UDP)', async () => {
  await forwardMany(async () => [await openUdpCla(), await openUdpCla()], 4);
});
