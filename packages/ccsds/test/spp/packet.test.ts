import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, crc16Ccitt } from 'ccsds/core';
import {
  decodeSpacePacket,
  decodeSpacePacketHeader,
  encodeIdlePacket,
  encodeSpacePacket,
  encodeSpacePacketHeader,
  MAX_PACKET_LENGTH,
  type SpacePacketPrimaryHeader,
} from 'ccsds/spp';
import fc from 'fast-check';

const headerArb = fc.record({
  packetVersionNumber: fc.integer({ min: 0, max: 7 }),
  packetType: fc.constantFrom(0 as const, 1 as const),
  secondaryHeaderFlag: fc.boolean(),
  apid: fc.integer({ min: 0, max: 2047 }),
  sequenceFlags: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  packetSequenceCount: fc.integer({ min: 0, max: 16383 }),
  packetDataLength: fc.integer({ min: 0, max: 65535 }),
}) as fc.Arbitrary<SpacePacketPrimaryHeader>;

test('primary header round trip for every field value', () => {
  fc.assert(
    fc.property(headerArb, (h) => {
      assert.deepEqual(decodeSpacePacketHeader(encodeSpacePacketHeader(h)), { ...h });
    }),
    { numRuns: 2000 },
  );
});

test('packet round trip with secondary header, user data and packet error control', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2047 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.boolean(),
      (apid, sec, user, pec) => {
        const bytes = encodeSpacePacket({
          apid,
          secondaryHeader: sec,
          userData: user,
          packetErrorControl: pec,
        });
        const p = decodeSpacePacket(bytes, { packetErrorControl: pec });
        assert.equal(p.header.apid, apid);
        assert.equal(p.header.secondaryHeaderFlag, sec.length > 0);
        assert.deepEqual([...p.packetDataField], [...sec, ...user]);
        if (pec) {
          const n = bytes.length;
          assert.equal((bytes[n - 2]! << 8) | bytes[n - 1]!, crc16Ccitt(bytes.subarray(0, n - 2)));
        }
      },
    ),
  );
});

test('packet sizes 7 and 65542 are the limits', () => {
  assert.equal(encodeSpacePacket({ apid: 1, userData: new Uint8Array(1) }).length, 7);
  assert.equal(
    encodeSpacePacket({ apid: 1, userData: new Uint8Array(65536) }).length,
    MAX_PACKET_LENGTH,
  );
  assert.throws(() => encodeSpacePacket({ apid: 1 }), CcsdsError);
  assert.throws(() => encodeSpacePacket({ apid: 1, userData: new Uint8Array(65537) }), CcsdsError);
  assert.throws(() => encodeSpacePacket({ apid: 2048, userData: new Uint8Array(1) }), CcsdsError);
  assert.equal(encodeIdlePacket(20).length, 20);
});

test('decoder errors carry codes and offsets', () => {
  const p = encodeSpacePacket({ apid: 5, userData: new Uint8Array(10), packetErrorControl: true });
  assert.throws(() => decodeSpacePacket(p.subarray(0, 3)), { code: 'TRUNCATED', offset: 0 });
  assert.throws(() => decodeSpacePacket(p.subarray(0, 10)), { code: 'TRUNCATED' });
  const extra = new Uint8Array(p.length + 1);
  extra.set(p);
  assert.throws(() => decodeSpacePacket(extra), { code: 'INVALID_FIELD', offset: p.length });
  assert.equal(decodeSpacePacket(extra, { allowTrailing: true }).header.apid, 5);
  const bad = p.slice();
  bad[8] = bad[8]! ^ 1;
  assert.throws(() => decodeSpacePacket(bad, { packetErrorControl: true }), { code: 'BAD_CRC' });
  const v1 = p.slice();
  v1[0] = v1[0]! | 0x20;
  assert.throws(() => decodeSpacePacket(v1), { code: 'INVALID_FIELD' });
});
