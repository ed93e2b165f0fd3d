import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { SeededRandom, toHex, type SkippedRange } from 'ccsds/core';
import {
  encodeSpacePacket,
  type ReadSpacePacket,
  SpacePacketReader,
  readSpacePackets,
  spacePacketTransformStream,
  spacePacketsFrom,
  countSpacePackets,
  splitSpacePacketsByApid,
  validateSpacePackets,
  encodeIdlePacket,
} from 'ccsds/spp';
import fc from 'fast-check';

const APIDS = [3, 100, 512, 2000];

function makePacket(rng: SeededRandom, count: number, pec = false): Uint8Array {
  return encodeSpacePacket({
    apid: rng.pick(APIDS),
    packetType: rng.chance(0.5) ? 1 : 0,
    packetSequenceCount: count % 16384,
    userData: rng.bytes(1 + rng.nextInt(rng.chance(0.1) ? 3000 : 60)),
    packetErrorControl: pec,
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function chunked(bytes: Uint8Array, rng: SeededRandom): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = Math.min(
      bytes.length - o,
      rng.chance(0.3) ? 1 + rng.nextInt(3) : 1 + rng.nextInt(500),
    );
    chunks.push(bytes.slice(o, o + n));
    o += n;
  }
  return chunks;
}

test('random chunking: exactly the packets, and skipped ranges exactly the garbage', () => {
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const rng = new SeededRandom(seed);
      const parts: Uint8Array[] = [];
      const expectedPackets: { offset: number; hex: string }[] = [];
      const expectedSkips: { start: number; end: number }[] = [];
      let o = 0;
      const n = 1 + rng.nextInt(40);
      for (let i = 0; i < n; i++) {
        if (rng.chance(0.25)) {
          // 0xFF garbage can never start a version-0 header, wherever it is cut.
          const g = new Uint8Array(1 + rng.nextInt(20)).fill(0xff);
          parts.push(g);
          expectedSkips.push({ start: o, end: o + g.length });
          o += g.length;
        }
        const p = makePacket(rng, i);
        parts.push(p);
        expectedPackets.push({ offset: o, hex: toHex(p) });
        o += p.length;
      }
      const stream = concat(parts);
      const got: ReadSpacePacket[] = [];
      const skips: SkippedRange[] = [];
      const r = new SpacePacketReader(
        (p) => got.push({ ...p, bytes: p.bytes.slice() }),
        (s) => skips.push(s),
        {
          validApids: APIDS,
          confirmResync: false,
        },
      );
      for (const c of chunked(stream, rng)) r.push(c);
      r.end();
      assert.deepEqual(
        got.map((p) => ({ offset: p.offset, hex: toHex(p.bytes) })),
        expectedPackets,
      );
      assert.deepEqual(
        skips.map((s) => ({ start: s.start, end: s.end })),
        expectedSkips,
      );
    }),
    { numRuns: 150 },
  );
});

test('with packet error control, random garbage never hides or fakes a packet', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new SeededRandom(seed);
    const parts: Uint8Array[] = [];
    const want: string[] = [];
    for (let i = 0; i < 30; i++) {
      if (rng.chance(0.4)) parts.push(rng.bytes(1 + rng.nextInt(100)));
      const p = makePacket(rng, i, true);
      parts.push(p);
      want.push(toHex(p));
    }
    const stream = concat(parts);
    const got: string[] = [];
    const r = new SpacePacketReader((p) => got.push(toHex(p.bytes)), undefined, {
      validApids: APIDS,
      packetErrorControl: true,
      maxPacketLength: 4000,
    });
    for (const c of chunked(stream, rng)) r.push(c);
    r.end();
    assert.deepEqual(got, want, `seed ${seed}`);
  }
});

test('after garbage, a fake header is not believed unless a valid header follows its packet', () => {
  const real = Array.from({ length: 6 }, (_, i) =>
    encodeSpacePacket({ apid: 100, packetSequenceCount: i, userData: new Uint8Array(20).fill(i) }),
  );
  // Garbage ending in something that looks like an APID-100 header announcing 200 octets.
  const fake = Uint8Array.from([0xde, 0xad, 0x00, 0x64, 0xc0, 0x00, 0x00, 0xc7]);
  const stream = concat([real[0]!, fake, ...real.slice(1)]);
  const run = (confirmResync: boolean): string[] =>
    readSpacePackets(stream, { validApids: [100], confirmResync }).packets.map((p) =>
      toHex(p.bytes),
    );
  assert.deepEqual(run(true), real.map(toHex));
  assert.ok(
    run(false).length < real.length,
    'without confirmation the fake header swallows packets',
  );
  // The default is confirmation on (no packet error control).
  assert.deepEqual(
    readSpacePackets(stream, { validApids: [100] }).packets.map((p) => toHex(p.bytes)),
    real.map(toHex),
  );
});

test('a packet is never emitted before all of it has arrived; truncation is reported', () => {
  const p = encodeSpacePacket({ apid: 3, userData: new Uint8Array(100) });
  const got: ReadSpacePacket[] = [];
  const skips: SkippedRange[] = [];
  const r = new SpacePacketReader(
    (x) => got.push(x),
    (s) => skips.push(s),
  );
  for (let i = 0; i < p.length - 1; i++) r.push(p.subarray(i, i + 1));
  assert.equal(got.length, 0);
  r.end();
  assert.equal(got.length, 0);
  assert.deepEqual(skips, [{ start: 0, end: p.length - 1, reason: 'truncated' }]);
});

test('idle packets are recognised and dropped on request', () => {
  const stream = concat([
    encodeSpacePacket({ apid: 3, userData: new Uint8Array(5) }),
    encodeIdlePacket(30),
    encodeSpacePacket({ apid: 3, packetSequenceCount: 1, userData: new Uint8Array(5) }),
  ]);
  assert.equal(readSpacePackets(stream).packets.length, 3);
  assert.equal(readSpacePackets(stream, { dropIdle: true }).packets.length, 2);
  const c = countSpacePackets(stream, { dropIdle: true });
  assert.deepEqual(c.apids, [{ apid: 3, packets: 2, octets: 22 }]);
  const v = validateSpacePackets(stream);
  assert.equal(v.idlePackets, 1);
  assert.equal(v.ok, true);
});

test('async iterable (Node Readable) and WHATWG TransformStream give the same packets', async () => {
  const rng = new SeededRandom(99);
  const parts = Array.from({ length: 50 }, (_, i) => makePacket(rng, i));
  parts.splice(10, 0, new Uint8Array([0xff, 0xfe, 0xfd]));
  const stream = concat(parts);
  const chunks = chunked(stream, rng);
  const fromNode: string[] = [];
  for await (const item of spacePacketsFrom(Readable.from(chunks.map((c) => Buffer.from(c))), {
    validApids: APIDS,
  })) {
    fromNode.push(item.kind === 'packet' ? toHex(item.bytes) : `skip ${item.start}-${item.end}`);
  }
  const web: string[] = [];
  const rs = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  }).pipeThrough(spacePacketTransformStream({ validApids: APIDS }));
  for await (const item of rs as unknown as AsyncIterable<{
    kind: string;
    bytes?: Uint8Array;
    start?: number;
    end?: number;
  }>) {
    web.push(item.kind === 'packet' ? toHex(item.bytes!) : `skip ${item.start}-${item.end}`);
  }
  assert.equal(fromNode.length, 51);
  assert.deepEqual(web, fromNode);
  assert.equal(fromNode.filter((x) => x.startsWith('skip')).length, 1);
});

test('count, split and validate agree with a reference model', () => {
  const rng = new SeededRandom(5);
  const parts: Uint8Array[] = [];
  const per = new Map<number, Uint8Array[]>();
  const counters = new Map<number, number>();
  let dropped = 0;
  for (let i = 0; i < 500; i++) {
    const apid = rng.pick(APIDS);
    const c = counters.get(apid) ?? 0;
    counters.set(apid, c + 1);
    const p = encodeSpacePacket({
      apid,
      packetSequenceCount: c % 16384,
      userData: rng.bytes(1 + rng.nextInt(50)),
    });
    if (rng.chance(0.05)) {
      dropped++;
      continue;
    }
    parts.push(p);
    per.set(apid, [...(per.get(apid) ?? []), p]);
  }
  parts.push(parts[parts.length - 1]!); // one duplicate at the end
  const stream = concat(parts);
  const split = splitSpacePacketsByApid(stream);
  const lastApid = (parts[parts.length - 1]![0]! & 7) * 256 + parts[parts.length - 1]![1]!;
  for (const [apid, pk] of per) {
    const expect = apid === lastApid ? [...pk, pk[pk.length - 1]!] : pk;
    assert.equal(toHex(split.get(apid)!), toHex(concat(expect)), `apid ${apid}`);
  }
  const count = countSpacePackets(stream);
  assert.equal(count.packets, parts.length);
  const v = validateSpacePackets(stream);
  assert.equal(v.ok, false);
  assert.equal(v.packets, parts.length);
  const missing = v.apids.reduce((a, s) => a + s.missingPackets, 0);
  assert.ok(
    missing <= dropped && missing >= dropped - APIDS.length,
    `missing ${missing} dropped ${dropped}`,
  );
  assert.equal(
    v.apids.reduce((a, s) => a + s.duplicates, 0),
    1,
  );
  assert.equal(v.events.filter((e) => e.status === 'duplicate').length, 1);
});
