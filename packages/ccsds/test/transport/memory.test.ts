import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import { MemoryNetwork } from 'ccsds/transport';
import { collect, sleep, transportCompliance } from './compliance.js';

transportCompliance(
  'MemoryTransport',
  async () => {
    const net = new MemoryNetwork();
    return { a: net.endpoint('a'), b: net.endpoint('mem://b') };
  },
  { fromIsAddress: true },
);

test('memory: delivery is asynchronous and copies the data', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint();
  const b = net.endpoint();
  assert.match(a.address, /^mem:\/\/node-\d+$/);
  const seen: number[] = [];
  b.events.on('message', (d) => seen.push(d[0]!));
  const buf = new Uint8Array([5]);
  const p = a.send(b.address, buf);
  buf[0] = 6;
  assert.deepEqual(seen, [], 'not delivered inside send');
  await p;
  await sleep(0);
  assert.deepEqual(seen, [5]);
  assert.equal(net.delivered, 1);
});

test('memory: the drop function loses chosen messages; unknown names are refused', async () => {
  const net = new MemoryNetwork({ drop: (d) => d[0]! % 2 === 1 });
  const a = net.endpoint('a');
  const b = net.endpoint('b');
  const got = collect(b, 5);
  for (let i = 0; i < 10; i++) await a.send('mem://b', new Uint8Array([i]));
  assert.deepEqual(
    (await got).map((m) => m.data[0]),
    [0, 2, 4, 6, 8],
  );
  assert.equal(net.dropped, 5);
  net.drop = undefined;
  await assert.rejects(a.send('mem://nobody', new Uint8Array(1)), (e) =>
    isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
  );
  assert.throws(
    () => net.endpoint('a'),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_STATE),
  );
  assert.throws(
    () => net.endpoint('x/y'),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
  );
  assert.deepEqual(net.addresses.sort(), ['mem://a', 'mem://b']);
  await b.close();
  assert.deepEqual(net.addresses, ['mem://a']);
  const again = net.endpoint('b');
  assert.equal(again.address, 'mem://b', 'a closed name can be reused');
});

test('memory: a message in flight to an endpoint that closes is dropped', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint('a');
  const b = net.endpoint('b');
  let n = 0;
  b.events.on('message', () => n++);
  const p = a.send('mem://b', new Uint8Array(1));
  await b.close();
  await p;
  await sleep(0);
  assert.equal(n, 0);
  assert.equal(net.dropped, 1);
});

test('memory: a throwing message listener becomes an error event', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint('a');
  const b = net.endpoint('b');
  b.events.on('message', () => {
    throw new Error('listener bug');
  });
  const errors: string[] = [];
  b.events.on('error', (e) => errors.push(e.message));
  await a.send('mem://b', new Uint8Array(1));
  await sleep(0);
  assert.deepEqual(errors, ['listener bug']);
});
