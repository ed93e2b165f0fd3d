/**
 * AOS Bitstream (B_PDU) and Virtual Channel Access services, sender to receiver: bit copying, the
 * Bitstream Data Pointer conventions, frames rebuilt byte for byte from the shared vectors, and a
 * property test with frames dropped (data, continuity flags and gaps exactly where frames went
 * missing). Decoder and receiver fuzzing for B_PDU and VCA channels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, SeededRandom, toHex } from 'ccsds/core';
import {
  type AosAccessData,
  AosReceiver,
  AosSender,
  type AosUserDataType,
  BitstreamVcGenerator,
  bitstreamDataPointer,
  copyBits,
  decodeAosFrame,
  type LinkEvent,
  type ReceivedPacket,
} from 'ccsds/link';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';
import { assertInOrderSubset, expectedVcGaps, randomPacket } from './helpers.js';

/** `n` bits of `data` from bit `start`, as a string of 0s and 1s. */
function bitsOf(data: Uint8Array, n: number, start = 0): string {
  let s = '';
  for (let i = start; i < start + n; i++) s += (data[i >> 3]! >> (7 - (i & 7))) & 1;
  return s;
}

test('copyBits copies any bit range to any bit position and leaves the other bits alone', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.nat(),
      fc.nat(),
      (src, dst, a, b, c) => {
        const srcBit = a % (src.length * 8);
        const dstBit = b % (dst.length * 8);
        const n = c % (Math.min(src.length * 8 - srcBit, dst.length * 8 - dstBit) + 1);
        const out = dst.slice();
        copyBits(src, srcBit, out, dstBit, n);
        const before = bitsOf(dst, dst.length * 8);
        const expected =
          before.slice(0, dstBit) + bitsOf(src, n, srcBit) + before.slice(dstBit + n);
        assert.equal(bitsOf(out, out.length * 8), expected);
      },
    ),
    { numRuns: 2000 },
  );
});

test('B_PDU generator: pointer all ones when full, last valid bit when partial, all ones minus one when idle', () => {
  const g = new BitstreamVcGenerator({ zoneLength: 10, idlePattern: 0xa5 });
  const out = new Uint8Array(12);
  assert.equal(g.fillZone(out, 1, false), undefined);
  g.push(Uint8Array.of(0xff, 0x00, 0xf0), 20); // 20 bits: ff 00 f
  g.push(new Uint8Array(20).fill(0x3c), 77);
  assert.equal(g.queuedBits, 97);
  assert.ok(g.hasFullZone);
  assert.equal(g.fillZone(out, 1, false), 80);
  assert.equal(bitstreamDataPointer(80, 80), 0x3fff);
  assert.equal(toHex(out.subarray(1, 11)), 'ff00f3c3c3c3c3c3c3c3');
  assert.equal(g.queuedBits, 17);
  assert.equal(g.fillZone(out, 1, false), undefined);
  out.fill(0);
  assert.equal(g.fillZone(out, 1, true), 17);
  assert.equal(bitstreamDataPointer(17, 80), 16);
  // 17 valid bits: c3c3 then one bit 1; the idle pattern a5 fills the rest of that octet.
  assert.equal(bitsOf(out, 17, 8), '11000011110000111');
  assert.equal(bitsOf(out, 7, 8 + 17), bitsOf(Uint8Array.of(0xa5), 7, 1));
  assert.equal(toHex(out.subarray(4, 11)), 'a5a5a5a5a5a5a5');
  assert.equal(out[0], 0);
  assert.equal(out[11], 0);
  assert.equal(g.fillZone(out, 1, true), 0);
  assert.equal(bitstreamDataPointer(0, 80), 0x3ffe);
  assert.equal(toHex(out.subarray(1, 11)), 'a5'.repeat(10));
  assert.throws(() => new BitstreamVcGenerator({ zoneLength: 2048 }));
  assert.throws(() => g.push(new Uint8Array(1), 9));
});

interface Vector {
  name: string;
  hex: string;
  fields: {
    data_field_offset: number;
    data_field_length: number;
    ocf: string | null;
    virtual_channel_frame_count: number;
  };
}
const vectors = loadVectors<{ vectors: Vector[] }>('frames/aos.json').vectors;
const vector = (name: string): Vector => vectors.find((v) => v.name === name)!;

test('aos.json: the sender rebuilds the B_PDU vectors byte for byte (full zone, and 5000 valid bits + fill)', () => {
  const full = vector('aos-892-bpdu-all-valid');
  const a = new AosSender({
    spacecraftId: 167,
    frameLength: 892,
    fhecPresent: true,
    fecfPresent: true,
    virtualChannels: [
      { virtualChannelId: 20, userDataType: 'B_PDU', virtualChannelFrameCount: 100 },
    ],
  });
  const fb = fromHex(full.hex);
  a.sendBitstream(20, fb.subarray(full.fields.data_field_offset + 2, 892 - 2));
  assert.equal(toHex(a.readyFrame()!), full.hex);
  const part = vector('aos-892-bpdu-partial');
  const p = new AosSender({
    spacecraftId: 167,
    frameLength: 892,
    ocfPresent: true,
    fecfPresent: true,
    virtualChannels: [
      {
        virtualChannelId: 20,
        userDataType: 'B_PDU',
        virtualChannelFrameCount: 101,
        bitstreamIdlePattern: 0xff,
      },
    ],
  });
  p.setOperationalControlField(fromHex(part.fields.ocf!));
  const pb = fromHex(part.hex);
  const start = part.fields.data_field_offset + 2;
  p.sendBitstream(20, pb.subarray(start, start + 625), 5000);
  assert.equal(p.readyFrame(), undefined);
  const frames = p.flush();
  assert.equal(frames.length, 1);
  assert.equal(toHex(frames[0]!), part.hex);
});

test('aos.json: the sender rebuilds aos-892-vca-replay byte for byte (a replay VC, VCA, OCF, frame count 2^24 - 1)', () => {
  const v = vector('aos-892-vca-replay');
  const tx = new AosSender({
    spacecraftId: 167,
    frameLength: 892,
    ocfPresent: true,
    fecfPresent: true,
    virtualChannels: [
      {
        virtualChannelId: 30,
        userDataType: 'VCA',
        virtualChannelFrameCount: 0xffffff,
        replay: true,
      },
      { virtualChannelId: 31 },
    ],
  });
  tx.setOperationalControlField(fromHex(v.fields.ocf!));
  const bytes = fromHex(v.hex);
  const start = v.fields.data_field_offset;
  tx.sendAccess(30, bytes.subarray(start, start + v.fields.data_field_length));
  assert.equal(toHex(tx.readyFrame()!), v.hex);
  // The count wraps to 0 and the flag stays; a realtime VC's frames do not carry it.
  tx.sendAccess(30, new Uint8Array(v.fields.data_field_length));
  const next = decodeAosFrame(tx.readyFrame()!, { ocfPresent: true, fecfPresent: true });
  assert.equal(next.virtualChannelFrameCount, 0);
  assert.equal(next.replayFlag, true);
  tx.send(31, randomPacket(new SeededRandom(2)));
  const realtime = decodeAosFrame(tx.flush()[0]!, { ocfPresent: true, fecfPresent: true });
  assert.equal(realtime.virtualChannelId, 31);
  assert.equal(realtime.replayFlag, false);
});

test('AOS VCA: SDUs must fill the data field; wrong calls are refused', () => {
  const tx = new AosSender({
    spacecraftId: 1,
    frameLength: 100,
    fhecPresent: true,
    insertZoneLength: 3,
    fecfPresent: true,
    virtualChannels: [
      { virtualChannelId: 3, userDataType: 'VCA', securityHeaderLength: 4 },
      { virtualChannelId: 4 },
    ],
  });
  assert.equal(tx.accessSduLength(3), 100 - 8 - 3 - 4 - 2);
  assert.throws(() => tx.sendAccess(3, new Uint8Array(82)), /VCA_SDU of 82 octets/);
  assert.throws(() => tx.send(3, randomPacket(new SeededRandom(1))), /does not carry M_PDU/);
  assert.throws(() => tx.sendBitstream(4, new Uint8Array(3)), /does not carry B_PDU/);
  const sdu = Uint8Array.from({ length: 83 }, (_, i) => i);
  tx.sendAccess(3, sdu);
  const f = tx.readyFrame()!;
  assert.equal(toHex(f.subarray(8 + 3 + 4, 98)), toHex(sdu));
  assert.equal(toHex(f.subarray(8 + 3, 8 + 3 + 4)), '00000000');
  const d = decodeAosFrame(f, {
    fhecPresent: true,
    insertZoneLength: 3,
    fecfPresent: true,
    userDataType: 'VCA',
  });
  assert.equal(d.virtualChannelId, 3);
  assert.equal(tx.readyFrame(), undefined);
  assert.equal(decodeAosFrame(tx.nextFrame(), { fhecPresent: true }).virtualChannelId, 63);
});

/** Frames lost on VC `vc` between positions (exclusive) in the sender's frame list. */
function lostBetween(vcOf: number[], lost: Set<number>, vc: number, from: number, to: number) {
  for (let i = from + 1; i < to; i++) if (vcOf[i] === vc && lost.has(i)) return true;
  return false;
}

test('AOS B_PDU, VCA and M_PDU channels through one sender: everything arrives; with frames dropped, data, continuity and gaps match the drops', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: 24, max: 300 }),
      fc.double({ min: 0, max: 0.35, noNaN: true }),
      (seed, frameLength, lossRate) => {
        const rng = new SeededRandom(seed);
        const format = { fhecPresent: true, insertZoneLength: 2, fecfPresent: true } as const;
        const tx = new AosSender({
          spacecraftId: 9,
          frameLength,
          ...format,
          virtualChannels: [
            { virtualChannelId: 1 },
            { virtualChannelId: 2, userDataType: 'B_PDU', bitstreamIdlePattern: 0x0f },
            { virtualChannelId: 3, userDataType: 'VCA', frameCountCycle: true },
          ],
          multiplexing: { kind: 'polling', vector: [1, 2, 3, 2] },
        });
        const zoneBits = (frameLength - 8 - 2 - 2 - 2) * 8;
        const sduLength = tx.accessSduLength(3);
        let stream = '';
        const sdus: string[] = [];
        const packets: string[] = [];
        const frames: Uint8Array[] = [];
        const steps = 5 + rng.nextInt(40);
        for (let s = 0; s < steps; s++) {
          const what = rng.nextInt(5);
          if (what === 0) {
            const data = rng.bytes(rng.nextInt(60));
            const bits = rng.nextInt(data.length * 8 + 1);
            tx.sendBitstream(2, data, bits);
            stream += bitsOf(data, bits);
          } else if (what === 1) {
            const sdu = rng.bytes(sduLength);
            tx.sendAccess(3, sdu);
            sdus.push(toHex(sdu));
          } else if (what === 2) {
            const p = randomPacket(rng, 1, 80);
            tx.send(1, p);
            packets.push(toHex(p));
          } else if (what === 3) frames.push(tx.nextFrame());
          else for (let f = tx.readyFrame(); f !== undefined; f = tx.readyFrame()) frames.push(f);
        }
        frames.push(...tx.flush());
        const vcOf = frames.map((f) => f[1]! & 0x3f);
        // Sender side: each B_PDU frame's valid bits continue the stream; the pointer and fill
        // follow the conventions.
        let at = 0;
        const carried: { index: number; bits: string }[] = [];
        frames.forEach((f, i) => {
          if (vcOf[i] !== 2) return;
          const d = decodeAosFrame(f, { ...format, userDataType: 'B_PDU' });
          const b = d.bpdu!;
          const expectedPointer =
            b.validBits === zoneBits ? 0x3fff : b.validBits === 0 ? 0x3ffe : b.validBits - 1;
          assert.equal(b.bitstreamDataPointer, expectedPointer);
          const bits = bitsOf(b.data, b.validBits);
          assert.equal(bits, stream.slice(at, at + b.validBits));
          const fill = bitsOf(b.data, zoneBits - b.validBits, b.validBits);
          assert.equal(
            fill,
            bitsOf(new Uint8Array(b.data.length).fill(0x0f), zoneBits).slice(b.validBits),
          );
          at += b.validBits;
          carried.push({ index: i, bits });
        });
        assert.equal(at, stream.length);
        // Drop frames, receive the rest.
        const lost = new Set<number>();
        for (let i = 0; i < frames.length; i++) if (rng.chance(lossRate)) lost.add(i);
        const access: AosAccessData[] = [];
        const accessCopies: string[] = [];
        const got: ReceivedPacket[] = [];
        const events: LinkEvent[] = [];
        const rx = new AosReceiver({
          frameLength,
          ...format,
          virtualChannels: { 2: { userDataType: 'B_PDU' }, 3: { userDataType: 'VCA' } },
          onAccessData: (d) => {
            access.push(d);
            accessCopies.push(bitsOf(d.data, d.validBits));
          },
          onPacket: (p) => got.push(p),
          onEvent: (e) => events.push(e),
        });
        frames.forEach((f, i) => {
          if (!lost.has(i)) rx.pushFrame(f);
        });
        rx.end();
        // Expected deliveries per VC: every received frame with data, in order; continuous
        // unless a frame of that VC was lost since the previous delivery (or none came before).
        for (const vc of [2, 3]) {
          const mine = access.flatMap((d, k) =>
            d.virtualChannelId === vc ? [{ d, bits: accessCopies[k]! }] : [],
          );
          const expected: { bits: string; continuous: boolean }[] = [];
          let prev = -1;
          frames.forEach((f, i) => {
            if (vcOf[i] !== vc || lost.has(i)) return;
            let bits: string;
            if (vc === 2) {
              bits = carried.find((c) => c.index === i)!.bits;
              if (bits.length === 0) return; // only idle data: nothing delivered
            } else bits = bitsOf(f, sduLength * 8, (8 + 2) * 8);
            expected.push({
              bits,
              continuous: prev >= 0 && !lostBetween(vcOf, lost, vc, prev, i),
            });
            prev = i;
          });
          assert.deepEqual(
            mine.map((m) => ({ bits: m.bits, continuous: m.d.continuous })),
            expected,
            `vc ${vc}`,
          );
        }
        if (lost.size === 0) {
          assert.equal(
            access.flatMap((d, k) => (d.virtualChannelId === 2 ? [accessCopies[k]!] : [])).join(''),
            stream,
          );
          assert.deepEqual(
            access.filter((d) => d.virtualChannelId === 3).map((d) => toHex(d.data)),
            sdus,
          );
          assert.deepEqual(
            got.map((p) => toHex(p.data)),
            packets,
          );
        } else {
          // Packets: the good ones are an in-order subsequence of those sent.
          assertInOrderSubset(
            got.filter((q) => q.quality === 'good').map((p) => toHex(p.data)),
            packets,
          );
        }
        // One gap event per run of lost frames with a received frame of the VC before and after.
        const reported = events.flatMap((e) =>
          e.type === 'vc-gap' ? [`${e.virtualChannelId}:${e.missingFrames}`] : [],
        );
        assert.deepEqual(reported.sort(), expectedVcGaps(vcOf, lost, [1, 2, 3]));
        assert.equal(rx.counters.badCrc + rx.counters.badHeader, 0);
      },
    ),
    { numRuns: 150 },
  );
});

test('fuzz: AOS decoder on B_PDU and VCA channels, and a receiver with both, throw only CcsdsError / nothing', () => {
  const rng = new SeededRandom(77);
  const format = { frameLength: 90, fhecPresent: true, fecfPresent: true } as const;
  const tx = new AosSender({
    spacecraftId: 3,
    ...format,
    virtualChannels: [
      { virtualChannelId: 5, userDataType: 'B_PDU' },
      { virtualChannelId: 6, userDataType: 'VCA' },
    ],
  });
  const seeds: Uint8Array[] = [];
  for (let i = 0; i < 15; i++) {
    tx.sendBitstream(5, rng.bytes(1 + rng.nextInt(120)), undefined);
    tx.sendAccess(6, rng.bytes(tx.accessSduLength(6)));
    seeds.push(tx.nextFrame());
  }
  seeds.push(...tx.flush(), tx.nextFrame());
  const userDataType = (vc: number): AosUserDataType =>
    vc === 5 ? 'B_PDU' : vc === 6 ? 'VCA' : 'M_PDU';
  const s = fuzzDecoder((b) => decodeAosFrame(b, { ...format, userDataType }), {
    seeds,
    seed: 78,
    maxRandomLength: 100,
  });
  assert.ok(s.accepted > 0 && s.rejected > 0);
  let delivered = 0;
  const rx = new AosReceiver({
    ...format,
    virtualChannels: { 5: { userDataType: 'B_PDU' }, 6: { userDataType: 'VCA' } },
    onAccessData: (d) => {
      assert.ok(d.validBits >= 0 && d.validBits <= d.data.length * 8);
      delivered++;
    },
  });
  const r = fuzzDecoder(
    (b) => {
      rx.pushFrame(b);
      rx.push(b);
    },
    { seeds, seed: 79, maxRandomLength: 100, runs: 50_000 },
  );
  assert.equal(r.rejected, 0);
  assert.ok(delivered > 0);
});
