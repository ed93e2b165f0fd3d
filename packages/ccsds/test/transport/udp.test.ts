import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import { UdpTransport, UDP_MAX_MESSAGE_LENGTH_IPV4 } from 'ccsds/transport/node';
import { collect, nextError, transportCompliance } from './compliance.js';

transportCompliance(
  'UdpTransport',
  async () => ({ a: await UdpTransport.open(), b: await UdpTransport.open() }),
  { fromIsAddress: true },
);

test('udp: port 0 binds a real port; buffers are enlarged; from is udp://ip:port', async () => {
  const t = await UdpTransport.open({ port: 0 });
  try {
    const m = /^udp:\/\/127\.0\.0\.1:(\d+)$/.exec(t.address);
    assert.ok(m !== null, t.address);
    assert.ok(Number(m[1]) > 0);
    assert.equal(t.maxMessageLength, UDP_MAX_MESSAGE_LENGTH_IPV4);
    assert.ok(t.receiveBufferSize >= 212_992, `receive buffer ${t.receiveBufferSize}`);
    const raw = createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const got = collect(t, 1);
    raw.send(new Uint8Array([1, 2, 3]), Number(m[1]), '127.0.0.1');
    const [msg] = await got;
    assert.equal(msg!.from, `udp://127.0.0.1:${raw.address().port}`);
    assert.deepEqual(msg!.data, new Uint8Array([1, 2, 3]));
    assert.equal(Object.getPrototypeOf(msg!.data), Uint8Array.prototype);
    await new Promise<void>((r) => raw.close(() => r()));
  } finally {
    await t.close();
  }
});

test('udp: from stays right for 1,100 senders (past the 1,024 sender strings kept)', async () => {
  const t = await UdpTransport.open();
  const port = Number(/:(\d+)$/.exec(t.address)![1]);
  const wrong: string[] = [];
  const seen = new Map<number, string>();
  t.events.on('message', (d, from) => seen.set(d[0]! * 256 + d[1]!, from));
  try {
    for (let batch = 0; batch < 11; batch++) {
      const sockets = await Promise.all(
        Array.from({ length: 100 }, async (_, k) => {
          const s = createSocket('udp4');
          await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
          const i = batch * 100 + k;
          // Each sender twice, so cached strings are used as well as built.
          for (let n = 0; n < 2; n++) {
            seen.delete(i);
            await new Promise<void>((r) =>
              s.send(new Uint8Array([i >> 8, i & 255]), port, '127.0.0.1', () => r()),
            );
            for (let w = 0; w < 200 && !seen.has(i); w++)
              await new Promise((r) => setTimeout(r, 1));
            const want = `udp://127.0.0.1:${s.address().port}`;
            if (seen.get(i) !== want) wrong.push(`${i}: ${seen.get(i)} instead of ${want}`);
          }
          return s;
        }),
      );
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
    assert.deepEqual(wrong, []);
  } finally {
    await t.close();
  }
});

test('udp: a datagram above a configured maximum is an error event; bad options refused', async () => {
  const small = await UdpTransport.open({ maxMessageLength: 100 });
  const big = await UdpTransport.open();
  try {
    const err = nextError(small);
    await big.send(small.address, new Uint8Array(101));
    const e = await err;
    assert.ok(isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED), String(e));
    const got = collect(small, 1);
    await big.send(small.address, new Uint8Array(100));
    assert.equal((await got)[0]!.data.length, 100);
    await assert.rejects(UdpTransport.open({ port: 70000 }), (x) =>
      isCcsdsError(x, CcsdsErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(UdpTransport.open({ maxMessageLength: 70000 }), (x) =>
      isCcsdsError(x, CcsdsErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(big.send('udp://127.0.0.1:0', new Uint8Array(1)), (x) =>
      isCcsdsError(x, CcsdsErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(big.send('udp://[::1]:5000', new Uint8Array(1)), (x) =>
      isCcsdsError(x, CcsdsErrorCode.INVALID_ARGUMENT),
    );
  } finally {
    await small.close();
    await big.close();
  }
});

test('udp: binding a port in use rejects', async () => {
  const t = await UdpTransport.open();
  try {
    const port = Number(t.address.split(':').pop());
    await assert.rejects(UdpTransport.open({ port }), /EADDRINUSE/);
  } finally {
    await t.close();
  }
});
