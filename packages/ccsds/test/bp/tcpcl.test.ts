import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { CcsdsErrorCode, SimulatedClock, isCcsdsError, toHex } from 'ccsds/core';
import { parseHostPort } from 'ccsds/transport';
import {
  RefuseReason,
  TcpclSession,
  TerminationReason,
  encodeContactHeader,
  encodeTcpclMessage,
  parseTcpclMessage,
  readFileClaFrame,
  encodeFileClaFrame,
  type TcpclMessage,
} from 'ccsds/bp';
import { TcpclConvergenceLayer } from 'ccsds/bp/node';
import { fuzzDecoder } from '../support/fuzz.js';
import { bundleOfLength, collectBundles } from './cla-compliance.js';

/** Two sessions joined by in-memory streams; `log` records every message each side wrote. */
function pair(
  clock: SimulatedClock,
  a: Partial<ConstructorParameters<typeof TcpclSession>[1]> = {},
  b: typeof a = {},
) {
  const log: { from: 'a' | 'b'; bytes: Uint8Array }[] = [];
  const s: { a?: TcpclSession; b?: TcpclSession } = {};
  const io = (me: 'a' | 'b') => ({
    write: (d: Uint8Array) => {
      log.push({ from: me, bytes: d.slice() });
      const copy = d.slice();
      queueMicrotask(() => (me === 'a' ? s.b : s.a)?.receive(copy));
      return Promise.resolve();
    },
    close: () => queueMicrotask(() => (me === 'a' ? s.b : s.a)?.close()),
  });
  const sb = new TcpclSession(io('b'), { nodeId: 'ipn:2.0', active: false, clock, ...b });
  const sa = new TcpclSession(io('a'), { nodeId: 'ipn:1.0', active: true, clock, ...a });
  s.a = sa;
  s.b = sb;
  return { a: sa, b: sb, log };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Every message one side wrote (several may share a write), contact headers left out. */
function messagesFrom(log: { from: 'a' | 'b'; bytes: Uint8Array }[], from: 'a' | 'b') {
  const out: TcpclMessage[] = [];
  for (const l of log) {
    if (l.from !== from) continue;
    for (let at = 0; at < l.bytes.length; ) {
      if (l.bytes[at] === 0x64) {
        at += 6;
        continue;
      }
      const r = parseTcpclMessage(l.bytes.subarray(at), { maxSegmentLength: 1 << 20 })!;
      out.push(r.message);
      at += r.length;
    }
  }
  return out;
}

test('messages encode and parse back; contact header', () => {
  assert.equal(toHex(encodeContactHeader()), '64746e210400');
  const msgs: TcpclMessage[] = [
    {
      type: 0x07,
      keepaliveInterval: 30,
      segmentMru: 1 << 20,
      transferMru: 2 ** 40,
      nodeId: 'ipn:1.0',
      extensions: [{ flags: 0, itemType: 9, value: new Uint8Array([1]) }],
    },
    { type: 0x01, flags: 3, transferId: 7, extensions: [], data: new Uint8Array([1, 2, 3]) },
    { type: 0x01, flags: 1, transferId: 2 ** 40, data: new Uint8Array(0) },
    { type: 0x02, flags: 1, transferId: 7, acknowledgedLength: 3 },
    { type: 0x03, reason: RefuseReason.NO_RESOURCES, transferId: 7 },
    { type: 0x04 },
    { type: 0x05, flags: 1, reason: TerminationReason.IDLE_TIMEOUT },
    { type: 0x06, reason: 1, rejectedType: 0x22 },
  ];
  for (const m of msgs) {
    const e = encodeTcpclMessage(m);
    const r = parseTcpclMessage(e)!;
    assert.equal(r.length, e.length);
    assert.deepEqual(r.message, m);
    for (let cut = 0; cut < e.length; cut++)
      assert.equal(parseTcpclMessage(e.subarray(0, cut)), null);
  }
  // XFER_SEGMENT of 2^60 octets: refused before any data arrives.
  const huge = new Uint8Array([0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(
    () => parseTcpclMessage(huge),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  assert.throws(
    () => parseTcpclMessage(new Uint8Array([0x42])),
    (e) => isCcsdsError(e, CcsdsErrorCode.UNSUPPORTED),
  );
});

test('session: contact, init, negotiation, segmented transfer with acknowledgements', async () => {
  const clock = new SimulatedClock();
  const { a, b, log } = pair(
    clock,
    { keepaliveInterval: 10 },
    { keepaliveInterval: 20, segmentMru: 100 },
  );
  await a.ready();
  await b.ready();
  assert.equal(a.peerNodeId, 'ipn:2.0');
  assert.equal(b.peerNodeId, 'ipn:1.0');
  assert.equal(a.keepaliveInterval, 10);
  assert.equal(b.keepaliveInterval, 10);
  assert.equal(a.peerSegmentMru, 100);
  const got: Uint8Array[] = [];
  b.events.on('bundle', (d) => got.push(d));
  const acked: number[] = [];
  a.events.on('acknowledged', (id) => acked.push(id));
  const x = bundleOfLength(450);
  await a.send(x);
  await tick();
  assert.equal(toHex(got[0]!), toHex(x));
  assert.deepEqual(acked, [0]);
  assert.equal(a.unacknowledged, 0);
  const segs = messagesFrom(log, 'a').filter((m) => m.type === 0x01);
  assert.equal(segs.length, 5);
  assert.deepEqual(
    segs.map((s) => (s as { flags: number }).flags),
    [2, 0, 0, 0, 1],
  );
  const acks = messagesFrom(log, 'b').filter((m) => m.type === 0x02);
  assert.deepEqual(
    acks.map((m) => (m as { acknowledgedLength: number }).acknowledgedLength),
    [100, 200, 300, 400, 450],
  );
  // Keepalive: nothing sent for a while → KEEPALIVE; nothing received for 2× → idle timeout.
  clock.advance(6000);
  await tick();
  assert.ok(log.some((l) => l.bytes.length === 1 && l.bytes[0] === 0x04));
});

test('session: a transfer above the transfer MRU is refused; termination is answered', async () => {
  const clock = new SimulatedClock();
  const { a, b, log } = pair(clock, {}, { transferMru: 1000 });
  await a.ready();
  await assert.rejects(a.send(bundleOfLength(1001)), (e) =>
    isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  // A peer lying about the MRU: b refuses with NO_RESOURCES.
  a.peerTransferMru = 1 << 20;
  const refused: number[] = [];
  a.events.on('refused', (_id, reason) => refused.push(reason));
  // The transfer's promise rejects on XFER_REFUSE, so a caller keeps the bundle.
  await assert.rejects(
    a.send(bundleOfLength(2000)),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_STATE) && /XFER_REFUSE reason 2/.test(e.message),
  );
  assert.deepEqual(refused, [RefuseReason.NO_RESOURCES]);
  const closed: (number | undefined)[] = [];
  a.events.on('closed', (r) => closed.push(r));
  b.events.on('closed', (r) => closed.push(r));
  a.terminate(TerminationReason.BUSY);
  await tick();
  await tick();
  assert.deepEqual(closed.sort(), [TerminationReason.BUSY, TerminationReason.BUSY]);
  const terms = log.filter((l) => l.bytes[0] === 0x05).map((l) => [l.from, l.bytes[1], l.bytes[2]]);
  assert.deepEqual(terms, [
    ['a', 0, TerminationReason.BUSY],
    ['b', 1, TerminationReason.BUSY],
  ]);
  await assert.rejects(a.send(bundleOfLength(100)), (e) =>
    isCcsdsError(e, CcsdsErrorCode.INVALID_STATE),
  );
});

test('session: send resolves on the final acknowledgement only; a session lost first rejects every transfer not acknowledged', async () => {
  const clock = new SimulatedClock();
  const { a, b, log } = pair(clock, {}, { segmentMru: 100 });
  await a.ready();
  // b stops acknowledging after its first XFER_ACK: the transfer is written but not confirmed.
  let acks = 0;
  const realReceive = a.receive.bind(a);
  (a as unknown as { receive: (c: Uint8Array) => void }).receive = (c) => {
    if (c[0] !== 0x02) realReceive(c);
    else if (++acks === 1) realReceive(c.subarray(0, 18)); // the first XFER_ACK only
  };
  let settled: string | undefined;
  const p1 = a.send(bundleOfLength(450)).then(
    () => (settled = 'resolved'),
    (e: unknown) => {
      settled = 'rejected';
      throw e;
    },
  );
  const p2 = a.send(bundleOfLength(100));
  const got: Uint8Array[] = [];
  b.events.on('bundle', (d) => got.push(d));
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(got.length, 2); // b has both bundles...
  assert.equal(settled, undefined); // ...but a has no final acknowledgement for them
  assert.equal(a.unacknowledged, 550 - 100);
  const left: number[] = [];
  a.events.on('closed', (_r, l) => left.push(...l.map((x) => x.length)));
  b.close(); // the stream ends under the session
  await assert.rejects(p1, (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_STATE));
  await assert.rejects(p2, /before transfer 1 was acknowledged/);
  assert.deepEqual(left, [450, 100]);
  assert.ok(log.some((l) => l.from === 'b' && l.bytes[0] === 0x02));

  // XFER_REFUSE with reason COMPLETED means the peer already has the bundle: success.
  const q = pair(clock);
  await q.a.ready();
  (q.b as unknown as { onSegment: (m: { transferId: number }) => void }).onSegment = (m) =>
    void (q.b as unknown as { write: (d: Uint8Array) => Promise<void> }).write(
      encodeTcpclMessage({ type: 0x03, reason: RefuseReason.COMPLETED, transferId: m.transferId }),
    );
  await q.a.send(bundleOfLength(100));
  await assert.rejects(
    (() => {
      (q.b as unknown as { onSegment: (m: { transferId: number }) => void }).onSegment = (m) =>
        void (q.b as unknown as { write: (d: Uint8Array) => Promise<void> }).write(
          encodeTcpclMessage({
            type: 0x03,
            reason: RefuseReason.RETRANSMIT,
            transferId: m.transferId,
          }),
        );
      return q.a.send(bundleOfLength(100));
    })(),
    /XFER_REFUSE reason 3/,
  );
});

test('session: messages split anywhere across chunks (down to single octets) give the same bundles and acknowledgements', async () => {
  const clock = new SimulatedClock();
  const x = bundleOfLength(3000, 5);
  const y = bundleOfLength(200, 6);
  const stream = new Uint8Array([
    ...encodeContactHeader(),
    ...encodeTcpclMessage({
      type: 0x07,
      keepaliveInterval: 0,
      segmentMru: 1000,
      transferMru: 10_000,
      nodeId: 'ipn:1.0',
      extensions: [],
    }),
    ...encodeTcpclMessage({
      type: 0x01,
      flags: 2,
      transferId: 0,
      extensions: [],
      data: x.subarray(0, 1000),
    }),
    ...encodeTcpclMessage({ type: 0x01, flags: 0, transferId: 0, data: x.subarray(1000, 2500) }),
    ...encodeTcpclMessage({ type: 0x01, flags: 1, transferId: 0, data: x.subarray(2500) }),
    ...encodeTcpclMessage({ type: 0x01, flags: 3, transferId: 1, data: y }),
  ]);
  for (const step of [1, 7, 999, 1500, stream.length]) {
    const written: Uint8Array[] = [];
    const s = new TcpclSession(
      { write: (d) => (written.push(d.slice()), Promise.resolve()), close: () => undefined },
      { nodeId: 'ipn:2.0', active: false, clock, segmentMru: 2000 },
    );
    const got: string[] = [];
    s.events.on('bundle', (d) => got.push(toHex(d)));
    for (let i = 0; i < stream.length; i += step) s.receive(stream.slice(i, i + step));
    assert.deepEqual(got, [toHex(x), toHex(y)], `chunks of ${step}`);
    const acks = written
      .flatMap((w) => {
        const out: TcpclMessage[] = [];
        for (let at = 0; at < w.length; ) {
          if (w[at] === 0x64) {
            at += 6;
            continue;
          }
          const r = parseTcpclMessage(w.subarray(at))!;
          out.push(r.message);
          at += r.length;
        }
        return out;
      })
      .filter((m) => m.type === 0x02)
      .map((m) => (m as { acknowledgedLength: number }).acknowledgedLength);
    assert.deepEqual(acks, [1000, 2500, 3000, 200], `chunks of ${step}`);
  }
});

test('session: idle timeout and contact timeout through the clock', async () => {
  const clock = new SimulatedClock();
  const { a, b } = pair(clock, { keepaliveInterval: 2 }, { keepaliveInterval: 2 });
  await a.ready();
  // Cut b off: it stops answering.
  (b as unknown as { receive: (c: Uint8Array) => void }).receive = () => undefined;
  (b as unknown as { write: () => Promise<void> }).write = () => Promise.resolve();
  const reasons: (number | undefined)[] = [];
  a.events.on('closed', (r) => reasons.push(r));
  a.events.on('error', () => undefined);
  for (let i = 0; i < 20; i++) {
    clock.advance(1000);
    await tick();
  }
  assert.deepEqual(reasons, [TerminationReason.IDLE_TIMEOUT]);
  const lonely = new TcpclSession(
    { write: () => Promise.resolve(), close: () => undefined },
    { nodeId: 'x', active: true, clock, contactTimeoutMs: 500 },
  );
  lonely.events.on('error', () => undefined);
  const r = lonely.ready();
  clock.advance(600);
  await assert.rejects(r);
  assert.equal(lonely.state, 'closed');
});

test('TCPCL over sockets: wrong magic and a giant segment close the connection, the layer carries on', async () => {
  const b = await TcpclConvergenceLayer.open({ nodeId: 'ipn:2.0' });
  const a = await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' });
  const errors: Error[] = [];
  b.events.on('error', (e) => errors.push(e));
  try {
    const { host, port } = parseHostPort(b.address);
    for (const bytes of [
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      new Uint8Array([
        ...encodeContactHeader(),
        ...encodeTcpclMessage({
          type: 0x07,
          keepaliveInterval: 0,
          segmentMru: 100,
          transferMru: 100,
          nodeId: 'x',
          extensions: [],
        }),
        0x01,
        0x03,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x10,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
      ]),
    ]) {
      const s = connect({ host, port });
      s.on('error', () => undefined);
      s.resume(); // read (and discard) what the layer answers, so its close is seen
      const closed = new Promise((r) => s.on('close', r));
      s.write(bytes);
      await closed;
    }
    assert.ok(errors.some((e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD)));
    assert.ok(errors.some((e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED)));
    const got = collectBundles(b, 1);
    await a.send(b.address, bundleOfLength(5000));
    assert.equal((await got)[0]!.data.length, 5000);
    assert.deepEqual(a.peers, ['ipn:2.0']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('fuzz: TCPCL message parser and File CLA frame reader throw only CcsdsError', () => {
  const seeds = [
    encodeTcpclMessage({
      type: 0x07,
      keepaliveInterval: 30,
      segmentMru: 100,
      transferMru: 1000,
      nodeId: 'ipn:1.0',
      extensions: [{ flags: 1, itemType: 2, value: new Uint8Array([3]) }],
    }),
    encodeTcpclMessage({
      type: 0x01,
      flags: 3,
      transferId: 1,
      extensions: [{ flags: 0, itemType: 1, value: new Uint8Array(8) }],
      data: new Uint8Array(20),
    }),
    encodeTcpclMessage({ type: 0x02, flags: 1, transferId: 1, acknowledgedLength: 20 }),
    encodeTcpclMessage({ type: 0x05, flags: 0, reason: 1 }),
  ];
  const s = fuzzDecoder((b) => parseTcpclMessage(b, { maxSegmentLength: 4096 }), {
    seeds,
    runs: 100_000,
    seed: 9174,
  });
  assert.ok(s.accepted > 100 && s.rejected > 100);
  const frames = [encodeFileClaFrame(bundleOfLength(60)), encodeFileClaFrame(bundleOfLength(90))];
  const f = fuzzDecoder((b) => readFileClaFrame(b, 0, 4096), {
    seeds: frames,
    runs: 100_000,
    seed: 17,
  });
  assert.equal(f.rejected, 0); // the reader reports errors as results, never throws
});

test('fuzz: an established session fed random and mutated segments in random chunks never throws, reports only CcsdsError, and never delivers more than its transfer MRU', () => {
  const clock = new SimulatedClock();
  const prefix = new Uint8Array([
    ...encodeContactHeader(),
    ...encodeTcpclMessage({
      type: 0x07,
      keepaliveInterval: 0,
      segmentMru: 1 << 20,
      transferMru: 1 << 20,
      nodeId: 'ipn:1.0',
      extensions: [],
    }),
  ]);
  const seg = (flags: number, id: number, data: Uint8Array, length?: number) =>
    encodeTcpclMessage({
      type: 0x01,
      flags,
      transferId: id,
      ...(flags & 2
        ? {
            extensions:
              length === undefined
                ? []
                : [
                    {
                      flags: 0,
                      itemType: 1,
                      value: new Uint8Array(new BigUint64Array([BigInt(length)]).buffer).reverse(),
                    },
                  ],
          }
        : {}),
      data,
    });
  const seeds = [
    new Uint8Array([
      ...seg(3, 0, bundleOfLength(300, 1), 300),
      ...seg(3, 1, bundleOfLength(40, 2)),
    ]),
    new Uint8Array([
      ...seg(2, 7, bundleOfLength(900, 3).subarray(0, 500), 900),
      ...seg(1, 7, bundleOfLength(900, 3).subarray(500)),
      ...encodeTcpclMessage({ type: 0x02, flags: 1, transferId: 0, acknowledgedLength: 9 }),
      ...encodeTcpclMessage({ type: 0x04 }),
    ]),
  ];
  const transferMru = 2000;
  let delivered = 0;
  const stats = fuzzDecoder(
    (tail) => {
      const s = new TcpclSession(
        { write: () => Promise.resolve(), close: () => undefined },
        { nodeId: 'ipn:2.0', active: false, clock, segmentMru: 1000, transferMru },
      );
      // The session catches listener exceptions: violations are noted and thrown afterwards.
      let violation: string | undefined;
      s.events.on('error', (e) => {
        if (!isCcsdsError(e)) violation ??= `session reported ${String(e)}`;
      });
      s.events.on('bundle', (d) => {
        if (d.length > transferMru) violation ??= `delivered ${d.length} octets`;
        delivered++;
      });
      const stream = new Uint8Array([...prefix, ...tail]);
      // Chunk sizes from the input itself, so runs differ in where messages split.
      const step = 1 + (tail.length > 0 ? tail[0]! % 97 : 0);
      for (let i = 0; i < stream.length; i += step) {
        try {
          s.receive(stream.subarray(i, i + step));
        } catch (e) {
          throw new TypeError(`receive threw ${String(e)}`);
        }
      }
      s.close();
      if (violation !== undefined) throw new TypeError(violation);
      return s.state;
    },
    { seeds, runs: 5_000, seed: 9175, maxRandomLength: 256 },
  );
  assert.equal(stats.rejected, 0); // nothing escapes receive()
  assert.ok(delivered > 100, `only ${delivered} bundles came through`);
});
