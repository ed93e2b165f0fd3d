import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { CcsdsErrorCode, RealClock, isCcsdsError, toHex } from 'ccsds/core';
import { encodeLengthPrefixed, parseHostPort } from 'ccsds/transport/node';
import {
  type AppMessage,
  AppMessageType,
  BundleAgent,
  decodeAppMessage,
  encodeAppMessage,
} from 'ccsds/bp';
import { BpAppClient, BpAppServer, TcpclConvergenceLayer } from 'ccsds/bp/node';
import { fuzzDecoder } from '../support/fuzz.js';

const samples: AppMessage[] = [
  { type: AppMessageType.REGISTER, service: 7 },
  { type: AppMessageType.REGISTER, service: 7, count: 3, node: 2 },
  {
    type: AppMessageType.SEND,
    destination: 'ipn:2.1',
    lifetime: 60_000,
    flags: 4,
    hopLimit: 9,
    service: 3,
    payload: new Uint8Array([1, 2, 3]),
  },
  { type: AppMessageType.SEND, destination: 'dtn://x/y', payload: new Uint8Array(0) },
  { type: AppMessageType.REGISTER, service: 1, token: 'a-token-of-the-agent' },
  {
    type: AppMessageType.SEND,
    destination: 'ipn:2.1',
    token: 'a-token-of-the-agent',
    payload: new Uint8Array([7]),
  },
  { type: AppMessageType.REGISTERED, endpoint: 'ipn:2.7' },
  { type: AppMessageType.ACCEPTED, source: 'ipn:1.1', creationTime: 5, sequenceNumber: 0 },
  {
    type: AppMessageType.BUNDLE,
    source: 'ipn:1.1',
    destination: 'ipn:2.1',
    creationTime: 5,
    sequenceNumber: 2,
    payload: new Uint8Array([9]),
  },
  { type: AppMessageType.ERROR, code: 'INVALID_ARGUMENT', message: 'no' },
];

test('application interface messages round-trip; bad ones throw CcsdsError only', () => {
  for (const m of samples) assert.deepEqual(decodeAppMessage(encodeAppMessage(m)), m);
  const reg = encodeAppMessage(samples[0]!);
  assert.equal(toHex(reg.subarray(0, 5)), '010000000d');
  const cases: [Uint8Array, CcsdsErrorCode][] = [
    [new Uint8Array([1, 0, 0]), CcsdsErrorCode.TRUNCATED],
    [new Uint8Array([1, 0, 1, 0, 0, 0x7b]), CcsdsErrorCode.LIMIT_EXCEEDED],
    [new Uint8Array([9, 0, 0, 0, 2, 0x7b, 0x7d]), CcsdsErrorCode.UNSUPPORTED],
    [new Uint8Array([1, 0, 0, 0, 2, 0x7b, 0x7d]), CcsdsErrorCode.INVALID_FIELD], // no service
    [new Uint8Array([1, 0, 0, 0, 2, 0x5b, 0x5d]), CcsdsErrorCode.INVALID_FIELD], // an array
    [new Uint8Array([1, 0, 0, 0, 1, 0xff]), CcsdsErrorCode.INVALID_FIELD], // not UTF-8
  ];
  for (const [bytes, code] of cases)
    assert.throws(
      () => decodeAppMessage(bytes),
      (e) => isCcsdsError(e, code),
    );
  const r = fuzzDecoder((b) => decodeAppMessage(b), {
    seeds: samples.map(encodeAppMessage),
    runs: 30_000,
    seed: 3,
  });
  assert.ok(r.accepted > 10 && r.rejected > 1000);
});

test('BpAppServer and BpAppClient: send through one agent, receive from another, counts, errors, hostile lengths', async () => {
  const clock = new RealClock();
  const cb = await TcpclConvergenceLayer.open({ nodeId: 'ipn:2.0' });
  const ca = await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' });
  const a = new BundleAgent({
    node: 1,
    clock,
    clas: [ca],
    routes: [{ node: 2, address: cb.address }],
  });
  const b = new BundleAgent({ node: 2, clock, clas: [cb] });
  const sa = await BpAppServer.open(a);
  const sb = await BpAppServer.open(b);
  const sender = await BpAppClient.connect(sa.address);
  const receiver = await BpAppClient.connect(sb.address.slice('tcp://'.length));
  try {
    const accepted = [];
    for (let i = 0; i < 5; i++)
      accepted.push(
        await sender.send('ipn:2.4', new TextEncoder().encode(`m${i}`), { lifetime: 60_000 }),
      );
    assert.deepEqual(
      accepted.map((x) => x.source),
      Array(5).fill('ipn:1.1'),
    );
    await assert.rejects(sender.send('nonsense', new Uint8Array([1])), /agent: .*\(INVALID_/);
    // The first registration takes 3 bundles and ends; the other 2 stay stored for the next.
    const got: string[] = [];
    receiver.events.on('bundle', (x) => got.push(new TextDecoder().decode(x.payload)));
    assert.equal(await receiver.register(4, 3, 2), 'ipn:2.4');
    const end = Date.now() + 10_000;
    while (got.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 3);
    assert.equal(b.storedCount, 2);
    const second = await BpAppClient.connect(sb.address);
    const more: string[] = [];
    second.events.on('bundle', (x) => more.push(new TextDecoder().decode(x.payload)));
    await assert.rejects(second.register(4, undefined, 9), /this agent is node 2, not 9/);
    await second.register(4);
    await assert.rejects(second.register(5), /already registered/);
    while (more.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([...got, ...more].sort(), ['m0', 'm1', 'm2', 'm3', 'm4']);
    await second.close();

    // A length prefix of 4 GiB: refused with an ERROR, the connection ends, nothing allocated.
    const { host, port } = parseHostPort(sb.address);
    const raw = connect({ host, port });
    const chunks: Buffer[] = [];
    raw.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise((r) => raw.on('close', r));
    raw.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1]));
    await closed;
    const reply = decodeAppMessage(new Uint8Array(Buffer.concat(chunks)).subarray(4));
    assert.equal(reply.type, AppMessageType.ERROR);
    assert.equal((reply as { code: string }).code, CcsdsErrorCode.LIMIT_EXCEEDED);
    // A garbage message on a good frame: an ERROR, the connection carries on.
    const raw2 = connect({ host, port });
    const c2: Buffer[] = [];
    raw2.on('data', (d: Buffer) => c2.push(d));
    raw2.write(encodeLengthPrefixed(new Uint8Array([42, 0, 0, 0, 0])));
    raw2.write(
      encodeLengthPrefixed(encodeAppMessage({ type: AppMessageType.REGISTER, service: 99 })),
    );
    while (Buffer.concat(c2).length < 30 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    raw2.destroy();
    const all = new Uint8Array(Buffer.concat(c2));
    const first = decodeAppMessage(all.subarray(4, 4 + new DataView(all.buffer).getUint32(0)));
    assert.equal(first.type, AppMessageType.ERROR);
    assert.ok(all.length > 40, 'the REGISTER after it was answered');
  } finally {
    await sender.close();
    await receiver.close();
    await sa.close();
    await sb.close();
    a.close();
    b.close();
    await ca.close();
    await cb.close();
  }
});

test('BpAppServer with a token: requests without it or with another are refused, with it served', async () => {
  const cla = await TcpclConvergenceLayer.open({ nodeId: 'ipn:5.0' });
  const agent = new BundleAgent({ node: 5, clock: new RealClock(), clas: [cla] });
  await assert.rejects(BpAppServer.open(agent, { token: 'short' }), /at least 16/);
  const server = await BpAppServer.open(agent, { token: 'a-token-of-the-agent' });
  const none = await BpAppClient.connect(server.address);
  const wrong = await BpAppClient.connect(server.address, { token: 'not-the-token-at-all' });
  const right = await BpAppClient.connect(server.address, { token: 'a-token-of-the-agent' });
  try {
    await assert.rejects(none.register(1), /no access token \(INVALID_ARGUMENT\)/);
    await assert.rejects(wrong.register(1), /wrong access token/);
    await assert.rejects(wrong.send('ipn:5.1', new Uint8Array([1])), /wrong access token/);
    assert.equal(agent.storedCount, 0, 'nothing sent without the token');
    const got: number[] = [];
    right.events.on('bundle', (b) => got.push(b.payload[0]!));
    assert.equal(await right.register(1), 'ipn:5.1');
    await right.send('ipn:5.1', new Uint8Array([42]));
    const end = Date.now() + 5000;
    while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [42]);
  } finally {
    await Promise.all([none.close(), wrong.close(), right.close()]);
    await server.close();
    agent.close();
    await cla.close();
  }
});
