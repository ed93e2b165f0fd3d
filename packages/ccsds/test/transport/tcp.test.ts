import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { CcsdsErrorCode, SeededRandom, isCcsdsError } from 'ccsds/core';
import {
  LengthPrefixDecoder,
  TcpTransport,
  encodeLengthPrefixed,
  parseHostPort,
} from 'ccsds/transport/node';
import { collect, nextError, sleep, transportCompliance } from './compliance.js';

function hostPort(address: string): { host: string; port: number } {
  const a = parseHostPort(address);
  return { host: a.host, port: a.port };
}

transportCompliance(
  'TcpTransport',
  async () => ({ a: await TcpTransport.open(), b: await TcpTransport.open() }),
  { rawStream: (t) => hostPort(t.address) },
);

test('tcp: the length-prefix decoder reassembles any chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 20 }),
      fc.integer(),
      (sizes, seed) => {
        const rng = new SeededRandom(seed);
        const msgs = sizes.map((n) => rng.bytes(n));
        const wire = msgs.map(encodeLengthPrefixed);
        const all = new Uint8Array(wire.reduce((a, w) => a + w.length, 0));
        let o = 0;
        for (const w of wire) {
          all.set(w, o);
          o += w.length;
        }
        const out: Uint8Array[] = [];
        const d = new LengthPrefixDecoder(3000);
        for (let p = 0; p < all.length; ) {
          const n = 1 + rng.nextInt(rng.chance(0.3) ? 4 : 5000);
          d.push(all.subarray(p, p + n), (m) => out.push(m.slice()));
          p += n;
        }
        assert.deepEqual(out, msgs);
      },
    ),
    { numRuns: 200 },
  );
  const d = new LengthPrefixDecoder(10);
  assert.throws(
    () => d.push(new Uint8Array([0, 0, 0, 11]), () => {}),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
});

test('tcp: raw framing byte by byte, several messages per write, empty messages', async () => {
  const t = await TcpTransport.open();
  try {
    const { host, port } = hostPort(t.address);
    const sock = connect({ host, port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const got = collect(t, 4);
    const frames = [
      encodeLengthPrefixed(new Uint8Array([1, 2, 3])),
      encodeLengthPrefixed(new Uint8Array(0)),
      encodeLengthPrefixed(new Uint8Array([4])),
    ];
    for (const byte of frames[0]!) {
      sock.write(new Uint8Array([byte]));
      await sleep(1);
    }
    sock.write(new Uint8Array([...frames[1]!, ...frames[2]!, ...frames[0]!]));
    const r = await got;
    assert.deepEqual(
      r.map((m) => [...m.data]),
      [[1, 2, 3], [], [4], [1, 2, 3]],
    );
    assert.equal(r[0]!.from, `tcp://127.0.0.1:${sock.localPort}`);
    sock.destroy();
  } finally {
    await t.close();
  }
});

test('tcp: a configured maximum closes the connection that exceeds it', async () => {
  const small = await TcpTransport.open({ maxMessageLength: 1000 });
  const big = await TcpTransport.open();
  try {
    const links: [string, boolean][] = [];
    big.events.on('link', (p, up) => links.push([p, up]));
    const got = collect(small, 1);
    await big.send(small.address, new Uint8Array(1000));
    assert.equal((await got)[0]!.data.length, 1000);
    const err = nextError(small);
    await big.send(small.address, new Uint8Array(1001));
    const e = await err;
    assert.ok(isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED), String(e));
    assert.match(e.message, /connection closed/);
    for (let i = 0; i < 100 && links.length < 2; i++) await sleep(10);
    assert.deepEqual(links, [
      [small.address, true],
      [small.address, false],
    ]);
    await assert.rejects(small.send(big.address, new Uint8Array(1001)), (x) =>
      isCcsdsError(x, CcsdsErrorCode.LIMIT_EXCEEDED),
    );
  } finally {
    await small.close();
    await big.close();
  }
});

test('tcp: link events, refused connection, and reconnection after the peer restarts', async () => {
  const a = await TcpTransport.open({ reconnectDelayMs: 50 });
  let b = await TcpTransport.open();
  const bAddress = b.address;
  const port = hostPort(bAddress).port;
  try {
    const links: [string, boolean][] = [];
    a.events.on('link', (p, up) => links.push([p, up]));
    const inbound: boolean[] = [];
    b.events.on('link', (_p, up) => inbound.push(up));
    let got = collect(b, 1);
    await a.send(bAddress, new Uint8Array([1]));
    await got;
    assert.deepEqual(links, [[bAddress, true]]);
    assert.deepEqual(inbound, [true]);
    assert.deepEqual(a.peers, [bAddress]);
    await b.close();
    for (let i = 0; i < 100 && links.length < 2; i++) await sleep(10);
    assert.deepEqual(links[1], [bAddress, false]);
    // Peer down: the send resolves (delivery is not guaranteed) and the refusal is an error event.
    const err = nextError(a);
    await a.send(bAddress, new Uint8Array([2]));
    const e = await err;
    assert.match(String((e as { code?: string }).code), /ECONNREFUSED/);
    // Within the reconnect delay, sends are dropped without a new attempt.
    await a.send(bAddress, new Uint8Array([3]));
    // The peer comes back on the same port; after the delay the next send reconnects.
    b = await TcpTransport.open({ port });
    await sleep(60);
    got = collect(b, 1);
    await a.send(bAddress, new Uint8Array([4]));
    assert.deepEqual([...(await got)[0]!.data], [4]);
    assert.deepEqual(links.at(-1), [bAddress, true]);
  } finally {
    await a.close();
    await b.close();
  }
});

test('tcp: a peer that accepts but never reads pushes back on the sender', async () => {
  const sockets: import('node:net').Socket[] = [];
  const server = createServer((s) => {
    s.pause();
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const a = await TcpTransport.open();
  try {
    const chunk = new Uint8Array(1 << 20);
    let sent = 0;
    let blocked = false;
    for (let i = 0; i < 200; i++) {
      const p = a.send(`tcp://127.0.0.1:${port}`, chunk).then(() => true);
      const done = await Promise.race([p, sleep(200).then(() => false)]);
      if (!done) {
        blocked = true;
        break;
      }
      sent++;
    }
    assert.ok(blocked, 'send kept resolving while nothing was read');
    assert.ok(sent < 100, `${sent} MiB accepted without being read`);
  } finally {
    await a.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
