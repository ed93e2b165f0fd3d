import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { CcsdsError, concatBytes, fromHex, SeededRandom, toHex } from 'ccsds/core';
import {
  DEFAULT_STREAM_MAX_PACKET_LENGTH,
  encapsulationPacketsFrom,
  encapsulationPacketTransformStream,
  encodeEncapsulationIdlePacket,
  encodeEncapsulationPacket,
  EncapsulationPacketFramer,
  EncapsulationPacketReader,
  EncapsulationSkipReason,
  readEncapsulationPackets,
  type EncapsulationSkippedRange,
  type EncapsulationStreamItem,
  type ReadEncapsulationPacket,
} from 'ccsds/epp';
import fc from 'fast-check';

/** A packet of any form, or a run of octets that can never start a header (top bits != 111). */
const itemArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        protocolId: fc.integer({ min: 0, max: 7 }),
        data: fc.oneof(
          { weight: 5, arbitrary: fc.uint8Array({ maxLength: 40 }) },
          { weight: 1, arbitrary: fc.uint8Array({ minLength: 250, maxLength: 600 }) },
        ),
        lengthOfLength: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        userDefinedField: fc.integer({ min: 0, max: 15 }),
      })
      .map((r) => {
        let lol = r.lengthOfLength;
        if (lol === 0 && (r.protocolId !== 0 || r.data.length > 0)) lol = undefined;
        if (lol === 1 && (r.protocolId === 6 || r.data.length > 253)) lol = undefined;
        const udf = lol === undefined || lol >= 2 ? r.userDefinedField : 0;
        return {
          kind: 'packet' as const,
          bytes: encodeEncapsulationPacket({ ...r, lengthOfLength: lol, userDefinedField: udf }),
        };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 20, max: 0xdf })
      .map((bytes) => ({ kind: 'garbage' as const, bytes })),
  },
);

type Item = { kind: 'packet' | 'garbage'; bytes: Uint8Array };

function expectations(items: Item[], dropIdle: boolean) {
  const packets: { offset: number; hex: string }[] = [];
  const skipped: EncapsulationSkippedRange[] = [];
  let offset = 0;
  for (const it of items) {
    if (it.kind === 'packet') {
      const idle = ((it.bytes[0]! >> 2) & 7) === 0;
      if (!(idle && dropIdle)) packets.push({ offset, hex: toHex(it.bytes) });
    } else {
      const last = skipped[skipped.length - 1];
      if (last !== undefined && last.end === offset) last.end += it.bytes.length;
      else
        skipped.push({
          start: offset,
          end: offset + it.bytes.length,
          reason: EncapsulationSkipReason.UNRECOGNISED,
        });
    }
    offset += it.bytes.length;
  }
  return { packets, skipped, length: offset };
}

/**
 * With resync confirmation a packet right after garbage is believed only when a header (or the
 * end of the stream) follows it: drop garbage that would come right after such a packet.
 */
function confirmable(items: Item[]): Item[] {
  const out: Item[] = [];
  for (const it of items) {
    const n = out.length;
    if (
      it.kind === 'garbage' &&
      n >= 2 &&
      out[n - 1]!.kind === 'packet' &&
      out[n - 2]!.kind === 'garbage'
    )
      continue;
    out.push(it);
  }
  return out;
}

function split(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, stream.length]) {
    chunks.push(stream.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

for (const confirmResync of [true, false]) {
  test(`random packets and garbage, randomly split: exact packets and skipped ranges (confirmResync ${confirmResync})`, () => {
    fc.assert(
      fc.property(
        fc.array(itemArb, { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.boolean(),
        (generated, cuts, dropIdle) => {
          const items = confirmResync ? confirmable(generated) : generated;
          const stream = concatBytes(items.map((i) => i.bytes));
          const want = expectations(items, dropIdle);
          const got: { offset: number; hex: string }[] = [];
          const skipped: EncapsulationSkippedRange[] = [];
          const options = { dropIdle, confirmResync };
          const reader = new EncapsulationPacketReader(
            (p) => {
              // The parsed view agrees with the raw octets.
              assert.equal(p.header.packetLength, p.bytes.length);
              assert.equal(p.data.length, p.bytes.length - p.header.headerLength);
              got.push({ offset: p.offset, hex: toHex(p.bytes) });
            },
            (r) => skipped.push(r),
            options,
          );
          for (const c of split(stream, cuts)) reader.push(c);
          reader.end();
          assert.deepEqual(got, want.packets);
          assert.deepEqual(skipped, want.skipped);
          assert.equal(reader.position, stream.length);
          assert.equal(
            reader.skippedOctets,
            want.skipped.reduce((n, r) => n + r.end - r.start, 0),
          );
          // The one-shot reader gives the same answer.
          const once = readEncapsulationPackets(stream, options);
          assert.deepEqual(
            once.packets.map((p) => ({ offset: p.offset, hex: toHex(p.bytes) })),
            want.packets,
          );
          assert.deepEqual(once.skipped, want.skipped);
        },
      ),
      { numRuns: 300 },
    );
  });
}

test('any octets, any split: the same packets and ranges as in one piece, every octet accounted for', () => {
  // Octets biased towards header-like values so that false headers, truncation and over-long
  // claims all occur.
  const octet = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0xe0, 0xe1, 0xe5, 0xf1, 0xf2, 0xf3, 0xfa, 0x00, 0x02, 0x04, 0x08, 0x0a),
  );
  fc.assert(
    fc.property(
      fc.array(octet, { maxLength: 80 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.boolean(),
      fc.constantFrom(12, 64, 65_544),
      (arr, cuts, confirmResync, maxPacketLength) => {
        const bytes = Uint8Array.from(arr);
        const options = { confirmResync, maxPacketLength };
        const once = readEncapsulationPackets(bytes, options);
        const events: string[] = [];
        const reader = new EncapsulationPacketReader(
          (p) => events.push(`P${p.offset}:${toHex(p.bytes)}`),
          (r) => events.push(`S${r.start}-${r.end}:${r.reason}`),
          options,
        );
        for (const c of split(bytes, cuts)) reader.push(c);
        reader.end();
        const onceEvents: string[] = [];
        let covered = 0;
        let i = 0;
        let j = 0;
        while (i < once.packets.length || j < once.skipped.length) {
          const p = once.packets[i];
          if (p !== undefined && p.offset === covered) {
            assert.ok(p.bytes.length <= maxPacketLength);
            onceEvents.push(`P${p.offset}:${toHex(p.bytes)}`);
            covered += p.bytes.length;
            i++;
          } else {
            const r = once.skipped[j]!;
            assert.equal(r.start, covered);
            onceEvents.push(`S${r.start}-${r.end}:${r.reason}`);
            covered = r.end;
            j++;
          }
        }
        assert.equal(covered, bytes.length);
        assert.deepEqual(events, onceEvents);
      },
    ),
    { numRuns: 2000 },
  );
});

test('resync confirmation: garbage that looks like a header does not swallow real packets', () => {
  const real = Array.from({ length: 8 }, (_, i) =>
    encodeEncapsulationPacket({ protocolId: 1, data: new Uint8Array(8).fill(i) }),
  );
  // 0x00, then a fake 2-octet header claiming 64 octets (it would end inside packet 7).
  const stream = concatBytes([fromHex('00f140'), ...real]);
  const confirmed = readEncapsulationPackets(stream);
  assert.deepEqual(
    confirmed.packets.map((p) => p.offset),
    real.map((_, i) => 3 + 10 * i),
  );
  assert.deepEqual(confirmed.skipped, [{ start: 0, end: 3, reason: 'unrecognised' }]);
  const trusting = readEncapsulationPackets(stream, { confirmResync: false });
  assert.equal(trusting.packets[0]!.offset, 1);
  assert.equal(trusting.packets[0]!.bytes.length, 64);
  // The documented price: a lone packet between two bursts of garbage is skipped.
  const lone = concatBytes([fromHex('00'), real[0]!, fromHex('00')]);
  assert.equal(readEncapsulationPackets(lone).packets.length, 0);
  assert.equal(readEncapsulationPackets(lone, { confirmResync: false }).packets.length, 1);
});

test('packets are never delivered before all their octets arrive', () => {
  const p = encodeEncapsulationPacket({ protocolId: 4, data: new Uint8Array(300).fill(7) });
  const got: ReadEncapsulationPacket[] = [];
  const reader = new EncapsulationPacketReader((x) => got.push(x));
  for (let i = 0; i < p.length - 1; i++) {
    reader.push(p.subarray(i, i + 1));
    assert.equal(got.length, 0, `after ${i + 1} octets`);
  }
  reader.push(p.subarray(p.length - 1));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]!.bytes, p);
  // The carried packet is a copy, not a view into a caller's chunk.
  assert.notEqual(got[0]!.bytes.buffer, p.buffer);
});

test('a packet cut by the end of the stream is reported as truncated', () => {
  const good = encodeEncapsulationPacket({ protocolId: 1, data: fromHex('0102') });
  const cut = encodeEncapsulationPacket({ protocolId: 1, data: new Uint8Array(50) }).subarray(
    0,
    20,
  );
  const r = readEncapsulationPackets(concatBytes([good, cut]));
  assert.equal(r.packets.length, 1);
  assert.deepEqual(r.skipped, [
    { start: good.length, end: good.length + 20, reason: EncapsulationSkipReason.TRUNCATED },
  ]);
  // A lone header octet waiting for its length octet is truncated too.
  assert.deepEqual(readEncapsulationPackets(fromHex('e5')).skipped, [
    { start: 0, end: 1, reason: 'truncated' },
  ]);
});

test('claims above maxPacketLength are skipped with reason too-long, then the reader resyncs', () => {
  const good = encodeEncapsulationPacket({ protocolId: 3, data: fromHex('aabbcc') });
  // 8-octet header claiming 1 MiB: over the default limit of 65,544.
  const huge = fromHex('f300000000100000');
  assert.equal(DEFAULT_STREAM_MAX_PACKET_LENGTH, 65_544);
  for (const chunk of [1, 3, 1000]) {
    const stream = concatBytes([good, huge, good]);
    const got: number[] = [];
    const skipped: EncapsulationSkippedRange[] = [];
    const reader = new EncapsulationPacketReader(
      (p) => got.push(p.offset),
      (r) => skipped.push(r),
    );
    for (let i = 0; i < stream.length; i += chunk) reader.push(stream.subarray(i, i + chunk));
    reader.end();
    assert.deepEqual(got, [0, good.length + 8]);
    assert.deepEqual(skipped, [{ start: good.length, end: good.length + 8, reason: 'too-long' }]);
  }
  // A configurable limit: 300 octets rejects a 304-octet packet, accepts it at 304.
  const p304 = encodeEncapsulationPacket({ protocolId: 1, data: new Uint8Array(300) });
  const small = readEncapsulationPackets(p304, { maxPacketLength: 300 });
  assert.equal(small.packets.length, 0);
  assert.equal(small.skipped[0]!.reason, EncapsulationSkipReason.TOO_LONG);
  assert.equal(readEncapsulationPackets(p304, { maxPacketLength: 304 }).packets.length, 1);
  // Garbage before the over-long claim: the range is named after its first octets.
  const r = readEncapsulationPackets(concatBytes([fromHex('0102'), huge, good]));
  assert.deepEqual(r.skipped, [{ start: 0, end: 10, reason: 'unrecognised' }]);
  // The limit bounds the framer and is validated.
  assert.equal(new EncapsulationPacketFramer().maxUnitLength, 65_544);
  assert.equal(new EncapsulationPacketFramer({ maxPacketLength: 9000 }).maxUnitLength, 9000);
  assert.throws(() => new EncapsulationPacketReader(() => {}, undefined, { maxPacketLength: 0 }));
  assert.throws(() => new EncapsulationPacketFramer({ maxPacketLength: 2 ** 32 }));
});

test('idle packets of every form are delivered or dropped on request', () => {
  const stream = concatBytes([
    encodeEncapsulationIdlePacket(1),
    encodeEncapsulationPacket({ protocolId: 4, data: fromHex('01') }),
    encodeEncapsulationIdlePacket(40),
    encodeEncapsulationIdlePacket(300),
    encodeEncapsulationPacket({ protocolId: 0, data: fromHex('00'), lengthOfLength: 3 }),
    encodeEncapsulationPacket({ protocolId: 1, data: fromHex('02') }),
  ]);
  const all = readEncapsulationPackets(stream);
  assert.deepEqual(
    all.packets.map((p) => p.header.protocolId),
    [0, 4, 0, 0, 0, 1],
  );
  const kept: number[] = [];
  const reader = new EncapsulationPacketReader((p) => kept.push(p.header.protocolId), undefined, {
    dropIdle: true,
  });
  reader.push(stream);
  reader.end();
  assert.deepEqual(kept, [4, 1]);
  assert.equal(reader.idlePackets, 4);
  assert.equal(reader.packets, 2);
  assert.equal(reader.skippedOctets, 0);
});

test('views by default, copies on request; push after end is refused', () => {
  const chunk = concatBytes([
    encodeEncapsulationPacket({ protocolId: 1, data: fromHex('0102') }),
    encodeEncapsulationPacket({ protocolId: 2, data: fromHex('0304') }),
  ]);
  const views = readEncapsulationPackets(chunk).packets;
  assert.equal(views.length, 2);
  for (const p of views) assert.equal(p.bytes.buffer, chunk.buffer);
  const copies = readEncapsulationPackets(chunk, { copy: true }).packets;
  for (const p of copies) assert.notEqual(p.bytes.buffer, chunk.buffer);
  assert.deepEqual(
    copies.map((p) => toHex(p.data)),
    ['0102', '0304'],
  );
  const reader = new EncapsulationPacketReader(() => {});
  reader.end();
  reader.end();
  assert.throws(
    () => reader.push(chunk),
    (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_STATE',
  );
  const r2 = new EncapsulationPacketReader(() => {});
  assert.throws(
    () => r2.push('e0' as unknown as Uint8Array),
    (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_ARGUMENT',
  );
});

function sampleStream(seed: number, count: number): { stream: Uint8Array; hex: string[] } {
  const rng = new SeededRandom(seed);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      encodeEncapsulationPacket({
        protocolId: 1 + rng.nextInt(4),
        data: rng.bytes(rng.chance(0.1) ? 300 + rng.nextInt(2000) : rng.nextInt(200)),
      }),
    );
    if (rng.chance(0.2)) parts.push(encodeEncapsulationIdlePacket(1 + rng.nextInt(10)));
  }
  const hex = parts.filter((p) => (p[0]! & 0x1c) !== 0).map(toHex);
  return { stream: concatBytes(parts), hex };
}

/** Packets and skipped ranges of a stream of items, as comparable strings. */
async function collect(items: AsyncIterable<EncapsulationStreamItem>): Promise<string[]> {
  const out: string[] = [];
  for await (const it of items)
    out.push(
      it.kind === 'packet'
        ? `packet@${it.offset} ${toHex(it.bytes)}`
        : `skipped ${it.start}-${it.end} ${it.reason}`,
    );
  return out;
}

function expected(stream: Uint8Array, hex: string[], garbage: number): string[] {
  const out: string[] = [];
  if (garbage > 0) out.push(`skipped 0-${garbage} unrecognised`);
  let offset = garbage;
  let k = 0;
  while (offset < stream.length + garbage) {
    const p = readEncapsulationPackets(stream.subarray(offset - garbage)).packets[0]!;
    const h = toHex(p.bytes);
    if (h === hex[k]) {
      out.push(`packet@${offset} ${h}`);
      k++;
    }
    offset += p.bytes.length;
  }
  return out;
}

test('async iterable: a real node:stream Readable', async () => {
  const { stream, hex } = sampleStream(1, 200);
  // A byte-mode Readable that hands out odd-sized pieces as it is read.
  let pos = 0;
  const rng = new SeededRandom(2);
  const readable = new Readable({
    highWaterMark: 97,
    read() {
      if (pos >= stream.length) {
        this.push(null);
        return;
      }
      const n = 1 + rng.nextInt(700);
      this.push(Buffer.from(stream.subarray(pos, pos + n)));
      pos += n;
    },
  });
  const got = await collect(encapsulationPacketsFrom(readable, { dropIdle: true }));
  assert.equal(got.length, hex.length);
  assert.deepEqual(got, expected(stream, hex, 0));
  // Readable.from over a generator, with garbage first.
  const withGarbage = concatBytes([fromHex('0000'), stream]);
  const got2 = await collect(
    encapsulationPacketsFrom(
      Readable.from(
        (function* () {
          for (let i = 0; i < withGarbage.length; i += 1000)
            yield Buffer.from(withGarbage.subarray(i, i + 1000));
        })(),
      ),
      { dropIdle: true },
    ),
  );
  assert.deepEqual(got2, expected(stream, hex, 2));
});

test('async iterable: plain iterables and async generators; packets are copies', async () => {
  const { stream, hex } = sampleStream(3, 50);
  const chunks = [stream.subarray(0, 10), stream.subarray(10, 4000), stream.subarray(4000)];
  const want = expected(stream, hex, 0);
  assert.deepEqual(await collect(encapsulationPacketsFrom(chunks, { dropIdle: true })), want);
  async function* gen() {
    for (const c of chunks) {
      await new Promise((r) => setTimeout(r, 1));
      yield c;
    }
  }
  assert.deepEqual(await collect(encapsulationPacketsFrom(gen(), { dropIdle: true })), want);
  for await (const it of encapsulationPacketsFrom([stream])) {
    if (it.kind === 'packet') assert.notEqual(it.bytes.buffer, stream.buffer);
  }
  // A bad chunk surfaces as CcsdsError.
  await assert.rejects(
    () => collect(encapsulationPacketsFrom(['x' as unknown as Uint8Array])),
    (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_ARGUMENT',
  );
});

test('WHATWG TransformStream', async () => {
  const { stream, hex } = sampleStream(4, 100);
  const input = concatBytes([stream, fromHex('f10a01')]);
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < input.length; i += 333) controller.enqueue(input.slice(i, i + 333));
      controller.close();
    },
  });
  const out = source.pipeThrough(encapsulationPacketTransformStream({ dropIdle: true }));
  const got = await collect(
    (async function* () {
      const reader = out.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    })(),
  );
  assert.deepEqual(got, [
    ...expected(stream, hex, 0),
    `skipped ${stream.length}-${stream.length + 3} truncated`,
  ]);
});
