/**
 * The 4-octet USLP FECF (CCSDS CRC-32 of Proximity-1, 211.2-B-3 annex C): known answers from two
 * peer implementations, agreement with the bit-serial definition, and frames that carry it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCcsdsError, SeededRandom, toHex } from 'ccsds/core';
import {
  ccsdsCrc32,
  computeUslpFecf,
  decodeUslpFrame,
  encodeUslpFrame,
  UslpReceiver,
  UslpSender,
} from 'ccsds/link';
import { fuzzDecoder } from '../support/fuzz.js';
import { randomPacket } from './helpers.js';

/** The register, one bit at a time: preset 0, shift left, XOR 0x00A00805 when a one falls out. */
function bitSerialCrc32(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    for (let k = 7; k >= 0; k--) {
      const top = ((crc >>> 31) ^ (b >> k)) & 1;
      crc = (crc << 1) >>> 0;
      if (top) crc = (crc ^ 0x00a00805) >>> 0;
    }
  }
  return crc;
}

test('CCSDS CRC-32 check value: "123456789" -> 0x51693C0C (ravisuhag/astro pkg/crc)', () => {
  assert.equal(ccsdsCrc32(new TextEncoder().encode('123456789')), 0x51693c0c);
});

test('CCSDS CRC-32 of 12 34 56 78 -> 0x34D74CB3 (Yamcs Crc32Test, ProximityCrc32)', () => {
  assert.equal(ccsdsCrc32(Uint8Array.of(0x12, 0x34, 0x56, 0x78)), 0x34d74cb3);
});

test('CCSDS CRC-32: the table agrees with the bit-serial register; ranges and continuation', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
      const c = Math.min(cut, data.length);
      const whole = ccsdsCrc32(data);
      assert.equal(whole, bitSerialCrc32(data));
      assert.equal(ccsdsCrc32(data, c, data.length, ccsdsCrc32(data, 0, c)), whole);
    }),
    { numRuns: 300 },
  );
});

test('USLP frame with a 4-octet FECF: encode, decode, every single-bit error detected', () => {
  const f = encodeUslpFrame({
    spacecraftId: 0xabc,
    virtualChannelId: 3,
    mapId: 2,
    vcFrameCountLength: 2,
    virtualChannelFrameCount: 513,
    tfdzConstructionRules: 7,
    uslpProtocolId: 5,
    tfdz: Uint8Array.from({ length: 40 }, (_, i) => i * 7),
    operationalControlField: Uint8Array.of(1, 2, 3, 4),
    fecfPresent: true,
    fecfLength: 4,
  });
  assert.equal(f.length, 9 + 1 + 40 + 4 + 4);
  assert.equal(((f[4]! << 8) | f[5]!) + 1, f.length);
  const crc = ccsdsCrc32(f, 0, f.length - 4);
  assert.equal(toHex(f.subarray(-4)), crc.toString(16).padStart(8, '0'));
  assert.equal(computeUslpFecf(f, f.length, 4), crc);
  const d = decodeUslpFrame(f, { fecfPresent: true, fecfLength: 4 });
  assert.equal(d.frameErrorControlField, crc);
  assert.equal(d.fecfValid, true);
  assert.equal(d.tfdz.length, 40);
  assert.equal(toHex(d.operationalControlField!), '01020304');
  // Read as a 2-octet FECF the same frame fails, and the TFDZ would be two octets longer.
  assert.throws(
    () => decodeUslpFrame(f, { fecfPresent: true }),
    (e: unknown) => isCcsdsError(e) && e.code === 'BAD_CRC',
  );
  // Past the version, IDs and frame length (whose errors a decoder reports before the FECF).
  for (let bit = 48; bit < f.length * 8; bit++) {
    const c = f.slice();
    c[bit >> 3] = c[bit >> 3]! ^ (0x80 >> (bit & 7));
    const r = decodeUslpFrame(c, { fecfPresent: true, fecfLength: 4, verifyFecf: false });
    assert.equal(r.fecfValid, false, `bit ${bit}`);
  }
  assert.throws(
    () =>
      encodeUslpFrame({
        spacecraftId: 1,
        virtualChannelId: 1,
        tfdzConstructionRules: 7,
        uslpProtocolId: 0,
        tfdz: new Uint8Array(4),
        fecfPresent: true,
        fecfLength: 3 as 4,
      }),
    (e: unknown) => isCcsdsError(e) && e.code === 'INVALID_ARGUMENT',
  );
});

for (const frameType of ['fixed', 'variable'] as const) {
  test(`USLP ${frameType}-length channel with a 4-octet FECF: packets round-trip; corrupted frames are bad CRC`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => {
        const rng = new SeededRandom(seed);
        const tx = new UslpSender({
          spacecraftId: 0x1234,
          frameType,
          frameLength: 160,
          fecfPresent: true,
          fecfLength: 4,
          ocfPresent: true,
          channels: [{ virtualChannelId: 6 }],
        });
        const packets = Array.from({ length: 1 + rng.nextInt(15) }, () =>
          randomPacket(rng, 1, 120),
        );
        for (const p of packets) tx.send(6, 0, p);
        const frames = tx.flush();
        if (frameType === 'fixed') assert.ok(frames.every((f) => f.length === 160));
        const got: string[] = [];
        let badCrc = 0;
        const rx = new UslpReceiver({
          frameType,
          ...(frameType === 'fixed' ? { frameLength: 160 } : {}),
          fecfPresent: true,
          fecfLength: 4,
          onPacket: (p) => got.push(toHex(p.data)),
          onEvent: (e) => {
            if (e.type === 'bad-crc') badCrc++;
          },
        });
        for (const f of frames) rx.pushFrame(f);
        rx.end();
        assert.deepEqual(got, packets.map(toHex));
        assert.equal(badCrc, 0);
        // One bit flipped in the CRC-protected part of each frame: each is a bad-CRC frame.
        const rx2 = new UslpReceiver({
          frameType,
          ...(frameType === 'fixed' ? { frameLength: 160 } : {}),
          fecfPresent: true,
          fecfLength: 4,
        });
        for (const f of frames) {
          const c = f.slice();
          const bit = 48 + rng.nextInt((c.length - 6) * 8);
          c[bit >> 3] = c[bit >> 3]! ^ (0x80 >> (bit & 7));
          rx2.pushFrame(c);
        }
        assert.equal(rx2.counters.badCrc, frames.length);
        assert.equal(rx2.counters.accepted, 0);
      }),
      { numRuns: 30 },
    );
  });
}

test('fuzz: USLP frame decoder with a 4-octet FECF throws only CcsdsError', () => {
  const rng = new SeededRandom(32);
  const seeds: Uint8Array[] = [];
  for (const frameType of ['fixed', 'variable'] as const) {
    const tx = new UslpSender({
      spacecraftId: 77,
      frameType,
      frameLength: 100,
      fecfPresent: true,
      fecfLength: 4,
      vcFrameCountLength: 3,
      channels: [{ virtualChannelId: 1 }],
    });
    for (let i = 0; i < 20; i++) tx.send(1, 0, randomPacket(rng, 1, 90));
    seeds.push(...tx.flush(), tx.nextFrame());
  }
  const s = fuzzDecoder(
    (b) => decodeUslpFrame(b, { fecfPresent: true, fecfLength: 4, truncatedFrameLength: 24 }),
    { seeds, seed: 33, maxRandomLength: 130 },
  );
  assert.ok(s.accepted > 0 && s.rejected > 0);
});
