import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import {
  MemoryNetwork,
  PacketTransport,
  TcpTransport,
  UdpTransport,
  ZmqTransport,
  createTransport,
  defaultMemoryNetwork,
  loadZeromq,
} from 'ccsds/transport/node';
import { collect } from './compliance.js';

test('createTransport picks the implementation from the scheme', async () => {
  const udp = await createTransport('udp://127.0.0.1:0');
  const tcp = await createTransport('tcp://127.0.0.1:0');
  try {
    assert.ok(udp instanceof UdpTransport);
    assert.ok(tcp instanceof TcpTransport);
    assert.match(udp.address, /^udp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    assert.match(tcp.address, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
  } finally {
    await udp.close();
    await tcp.close();
  }
  if ((await loadZeromq()) !== undefined) {
    const z = await createTransport('zmq+tcp://127.0.0.1:0');
    assert.ok(z instanceof ZmqTransport);
    assert.match(z.address, /^zmq\+tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    await z.close();
  } else {
    await assert.rejects(createTransport('zmq+tcp://127.0.0.1:0'), (e) =>
      isCcsdsError(e, CcsdsErrorCode.UNSUPPORTED),
    );
  }
});

test('createTransport: mem:// on a given or the default network; ?apid wraps in packets', async () => {
  const net = new MemoryNetwork();
  const a = await createTransport('mem://a?apid=42&packetType=tc&pec=1', { network: net });
  const b = await createTransport('mem://b?apid=42&pec=true', { network: net });
  assert.ok(a instanceof PacketTransport);
  assert.equal(a.maxMessageLength, 65534);
  const got = collect(b, 1);
  await a.send('mem://b', new Uint8Array([1, 2]));
  assert.deepEqual([...(await got)[0]!.data], [1, 2]);
  const d = await createTransport('mem://shared');
  assert.deepEqual(defaultMemoryNetwork().addresses, ['mem://shared']);
  const u = await createTransport('udp://127.0.0.1:0?apid=3');
  assert.ok(u instanceof PacketTransport && u.inner instanceof UdpTransport);
  for (const t of [a, b, d, u]) await t.close();
});

test('createTransport refuses unknown schemes and bad options before opening anything', async () => {
  for (const url of [
    'http://127.0.0.1:80',
    'udp://127.0.0.1',
    'udp://127.0.0.1:99999',
    'tcp://127.0.0.1:0?apid=2047',
    'udp://127.0.0.1:0?apid=x',
    'udp://127.0.0.1:0?apid=1&packetType=zz',
    'mem://n?apid=1&pec=maybe',
    'nonsense',
  ]) {
    await assert.rejects(
      createTransport(url),
      (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
      url,
    );
  }
  assert.deepEqual(defaultMemoryNetwork().addresses, []);
});
