import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { test } from 'node:test';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import { ZmqTransport, loadZeromq, zeromqLoadError } from 'ccsds/transport/node';
import { collect, nextError, sleep, transportCompliance } from './compliance.js';

const zmq = await loadZeromq();
const skip =
  zmq === undefined
    ? `zeromq cannot be imported (${String((zeromqLoadError() as Error | undefined)?.message ?? zeromqLoadError()).split('\n')[0]})`
    : undefined;
if (skip !== undefined) console.log(`# ZMQ tests skipped: ${skip}`);

transportCompliance(
  'ZmqTransport',
  async () => ({ a: await ZmqTransport.open(), b: await ZmqTransport.open() }),
  skip === undefined ? { fromIsAddress: true } : { skip },
);

test(
  'zmq: messages sent before the peer binds are delivered when it comes up',
  { skip },
  async () => {
    // A free port, from a plain TCP listener that is closed at once.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const a = await ZmqTransport.open();
    let b: ZmqTransport | undefined;
    try {
      const links: boolean[] = [];
      a.events.on('link', (_p, up) => links.push(up));
      const to = `zmq+tcp://127.0.0.1:${port}`;
      await a.send(to, new Uint8Array([1]));
      await a.send(to, new Uint8Array([2]));
      b = await ZmqTransport.open({ port });
      const got = await collect(b, 2);
      assert.deepEqual(
        got.map((m) => m.data[0]),
        [1, 2],
      );
      assert.equal(got[0]!.from, a.address);
      for (let i = 0; i < 100 && !links.includes(true); i++) await sleep(10);
      assert.ok(links.includes(true), 'link up after the handshake');
    } finally {
      await a.close();
      await b?.close();
    }
  },
);

test('zmq: a message without the sender frame is an error event', { skip }, async () => {
  const t = await ZmqTransport.open();
  const push = new zmq!.Push({ linger: 0 });
  try {
    push.connect(t.address.replace('zmq+tcp://', 'tcp://'));
    const err = nextError(t);
    await push.send([new Uint8Array([1, 2, 3])]);
    assert.ok(isCcsdsError(await err, CcsdsErrorCode.INVALID_FIELD));
    const err2 = nextError(t);
    await push.send([new TextEncoder().encode('not an address'), new Uint8Array([1])]);
    assert.ok(isCcsdsError(await err2, CcsdsErrorCode.INVALID_FIELD));
  } finally {
    push.close();
    await t.close();
  }
});
