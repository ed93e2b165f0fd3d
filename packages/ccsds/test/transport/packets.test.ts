import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsErrorCode, SeededRandom, isCcsdsError } from 'ccsds/core';
import { decodeSpacePacket, encodeSpacePacket, encodeIdlePacket, PacketType } from 'ccsds/spp';
import { MemoryNetwork, PacketTransport } from 'ccsds/transport';
import { TcpTransport, UdpTransport, parseHostPort } from 'ccsds/transport/node';
import { collect, nextError, sleep, transportCompliance } from './compliance.js';

transportCompliance(
  'PacketTransport over UDP',
  async () => ({
    a: new PacketTransport(await UdpTransport.open(), { apid: 100 }),
    b: new PacketTransport(await UdpTransport.open(), { apid: 100 }),
  }),
  { fromIsAddress: true },
);

transportCompliance(
  'PacketTransport over TCP',
  async () => ({
    a: new PacketTransport(await TcpTransport.open(), {
      apid: 7,
      packetType: PacketType.TELECOMMAND,
    }),
    b: new PacketTransport(await TcpTransport.open(), {
      apid: 7,
      packetType: PacketType.TELECOMMAND,
    }),
  }),
  {
    rawStream: (t) => {
      const a = parseHostPort(t.address);
      return { host: a.host, port: a.port };
    },
  },
);

function tap(): { net: MemoryNetwork; packets: { to: string; data: Uint8Array }[] } {
  const packets: { to: string; data: Uint8Array }[] = [];
  const net = new MemoryNetwork({
    drop: (data, _from, to) => {
      packets.push({ to, data: data.slice() });
      return false;
    },
  });
  return { net, packets };
}

test('packets: header fields, and sequence counts per destination wrapping mod 16384', async () => {
  const { net, packets } = tap();
  const a = new PacketTransport(net.endpoint('a'), {
    apid: 0x123,
    packetType: PacketType.TELECOMMAND,
  });
  const b = net.endpoint('b');
  const c = net.endpoint('c');
  const n = 16384 + 5;
  for (let i = 0; i < n; i++) await a.send('mem://b', new Uint8Array([i & 0xff]));
  await a.send('mem://c', new Uint8Array([1]));
  await a.send('mem://c', new Uint8Array([2]));
  const toB = packets.filter((p) => p.to === 'mem://b').map((p) => decodeSpacePacket(p.data));
  assert.equal(toB.length, n);
  toB.forEach((p, i) => {
    if (p.header.packetSequenceCount !== i % 16384) assert.fail(`packet ${i}`);
  });
  const h = toB[0]!.header;
  assert.equal(h.apid, 0x123);
  assert.equal(h.packetType, 1);
  assert.equal(h.sequenceFlags, 3);
  assert.equal(h.secondaryHeaderFlag, false);
  const toC = packets.filter((p) => p.to === 'mem://c').map((p) => decodeSpacePacket(p.data));
  assert.deepEqual(
    toC.map((p) => p.header.packetSequenceCount),
    [0, 1],
  );
  assert.equal(a.nextSequenceCount('mem://b'), 5);
  await a.close();
  await b.close();
  await c.close();
});

test('packets: size limits — 65,536 octets carried, more refused, empty refused', async () => {
  const net = new MemoryNetwork();
  const a = new PacketTransport(net.endpoint('a'), { apid: 1 });
  const b = new PacketTransport(net.endpoint('b'), { apid: 1 });
  assert.equal(a.maxMessageLength, 65536);
  const got = collect(b, 1);
  await a.send('mem://b', new Uint8Array(65536).fill(3));
  assert.equal((await got)[0]!.data.length, 65536);
  await assert.rejects(a.send('mem://b', new Uint8Array(65537)), (e) =>
    isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  await assert.rejects(a.send('mem://b', new Uint8Array(0)), (e) =>
    isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
  );
  const pec = new PacketTransport(net.endpoint('p'), { apid: 1, packetErrorControl: true });
  assert.equal(pec.maxMessageLength, 65534);
  const udp = new PacketTransport(await UdpTransport.open(), { apid: 1 });
  assert.equal(udp.maxMessageLength, 65507 - 6);
  assert.throws(
    () => new PacketTransport(net.endpoint('x'), { apid: 2047 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
  );
  await udp.close();
  await udp.close();
  await a.close();
  await b.close();
  await pec.close();
});

test('packets: malformed, foreign, segmented and corrupted packets are error events', async () => {
  const net = new MemoryNetwork();
  const raw = net.endpoint('raw');
  const t = new PacketTransport(net.endpoint('t'), {
    apid: 5,
    receiveApids: [5, 6],
    packetErrorControl: true,
  });
  const delivered: number[][] = [];
  t.events.on('message', (d) => delivered.push([...d]));
  const cases: [Uint8Array, string][] = [
    [new Uint8Array([1, 2, 3]), CcsdsErrorCode.TRUNCATED],
    [
      encodeSpacePacket({ apid: 9, userData: new Uint8Array([1]), packetErrorControl: true }),
      CcsdsErrorCode.INVALID_FIELD,
    ],
    [
      encodeSpacePacket({
        apid: 5,
        sequenceFlags: 1,
        userData: new Uint8Array([1]),
        packetErrorControl: true,
      }),
      CcsdsErrorCode.UNSUPPORTED,
    ],
    [encodeSpacePacket({ apid: 5, userData: new Uint8Array([1, 2, 3]) }), CcsdsErrorCode.BAD_CRC],
    [
      new Uint8Array([
        ...encodeSpacePacket({ apid: 5, userData: new Uint8Array([1]), packetErrorControl: true }),
        0,
      ]),
      CcsdsErrorCode.INVALID_FIELD,
    ],
    [new Uint8Array([0xe0, 0, 0, 0, 0, 2, 0, 0, 0]), CcsdsErrorCode.INVALID_FIELD],
  ];
  for (const [bytes, code] of cases) {
    const err = nextError(t);
    await raw.send('mem://t', bytes);
    const e = await err;
    assert.ok(isCcsdsError(e, code as CcsdsErrorCode), `${code}: ${String(e)}`);
  }
  await raw.send('mem://t', encodeIdlePacket(20));
  await raw.send(
    'mem://t',
    encodeSpacePacket({ apid: 6, userData: new Uint8Array([6, 6]), packetErrorControl: true }),
  );
  await sleep(0);
  assert.deepEqual(delivered, [[6, 6]], 'idle packets dropped silently, APID 6 accepted');
  await t.close();
  await raw.close();
});

test('packets: random bytes never throw out of the receive path', async () => {
  const net = new MemoryNetwork();
  const raw = net.endpoint('raw');
  const t = new PacketTransport(net.endpoint('t'), { apid: 5 });
  let errors = 0;
  let messages = 0;
  t.events.on('error', () => errors++);
  t.events.on('message', () => messages++);
  const rng = new SeededRandom(9);
  let sent = 0;
  for (let i = 0; i < 2000; i++) {
    const bytes = rng.bytes(1 + rng.nextInt(40));
    // Half of them start like a packet of the right APID, so the deeper checks are reached too.
    if (i % 2 === 0 && bytes.length >= 6)
      bytes.set([0x00, 0x05, 0xc0, 0x00, 0x00, bytes.length - 7], 0);
    await raw.send('mem://t', bytes);
    sent++;
  }
  await sleep(0);
  assert.equal(errors + messages, sent);
  assert.ok(messages > 100 && errors > 1000, `${errors} errors, ${messages} messages`);
  await t.close();
  await raw.close();
});
