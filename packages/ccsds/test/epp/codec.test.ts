import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, CcsdsErrorCode, NEED_MORE, NOT_A_UNIT, toHex } from 'ccsds/core';
import {
  classifyEncapsulationHeader,
  decodeEncapsulationPacket,
  decodeEncapsulationPacketHeader,
  encapsulationHeaderLength,
  encodeEncapsulationIdlePacket,
  encodeEncapsulationPacket,
  encodeEncapsulationPacketHeader,
  HEADER_TOO_LONG,
  LengthOfLength,
  MAX_ENCAPSULATION_PACKET_LENGTH,
  ProtocolId,
  writeEncapsulationPacket,
} from 'ccsds/epp';
import fc from 'fast-check';

function throwsCode(fn: () => unknown, code: string, offset?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CcsdsError, `not a CcsdsError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return true;
  });
}

/** A random packet description that fits the given header form. */
function packetArb(lol: 0 | 1 | 2 | 3) {
  const maxData = [0, 253, 1000, 1000][lol];
  const nibble = lol >= 2 ? fc.integer({ min: 0, max: 15 }) : fc.constant(undefined);
  return fc.record({
    protocolId:
      lol === 0
        ? fc.constant(0)
        : lol === 1
          ? fc.constantFrom(0, 1, 2, 3, 4, 5, 7)
          : fc.integer({ min: 0, max: 7 }),
    data: fc.uint8Array({ maxLength: maxData! }),
    userDefinedField: nibble,
    protocolIdExtension: nibble,
    ccsdsDefinedField: lol === 3 ? fc.integer({ min: 0, max: 0xffff }) : fc.constant(undefined),
    lengthOfLength: fc.constant(lol),
  });
}

test('round trip encode -> decode for every header form (forced)', () => {
  for (const lol of [0, 1, 2, 3] as const) {
    fc.assert(
      fc.property(packetArb(lol), (init) => {
        const bytes = encodeEncapsulationPacket(init);
        const hl = encapsulationHeaderLength(lol);
        assert.equal(bytes.length, hl + init.data.length);
        const p = decodeEncapsulationPacket(bytes, { exact: true });
        assert.equal(p.header.packetVersionNumber, 7);
        assert.equal(p.header.protocolId, init.protocolId);
        assert.equal(p.header.lengthOfLength, lol);
        assert.equal(p.header.headerLength, hl);
        assert.equal(p.header.packetLength, bytes.length);
        assert.equal(p.header.userDefinedField, init.userDefinedField);
        assert.equal(p.header.protocolIdExtension, init.protocolIdExtension);
        assert.equal(p.header.ccsdsDefinedField, init.ccsdsDefinedField);
        assert.deepEqual(p.data, init.data);
        // The header codec agrees with the packet codec, and re-encodes identically.
        assert.deepEqual(decodeEncapsulationPacketHeader(bytes), p.header);
        assert.equal(
          toHex(encodeEncapsulationPacketHeader(p.header)),
          toHex(bytes.subarray(0, hl)),
        );
        // And the stream framer's non-throwing check sees the same length.
        assert.equal(classifyEncapsulationHeader(bytes, 0, bytes.length, 2 ** 32), bytes.length);
      }),
      { numRuns: 300 },
    );
  }
});

test('default form is the smallest that fits', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 70_000 }),
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 0, max: 3 }),
      (protocolId, n, nibble, cdf) => {
        const data = new Uint8Array(n);
        const bytes = encodeEncapsulationPacket({
          protocolId,
          data,
          userDefinedField: nibble,
          ccsdsDefinedField: cdf,
        });
        const { header } = decodeEncapsulationPacket(bytes, { exact: true });
        let expected: number;
        if (cdf !== 0) expected = 8;
        else if (nibble !== 0 || protocolId === 6) expected = n + 4 <= 0xffff ? 4 : 8;
        else if (protocolId === 0 && n === 0) expected = 1;
        else expected = n + 2 <= 0xff ? 2 : n + 4 <= 0xffff ? 4 : 8;
        assert.equal(header.headerLength, expected, `pid ${protocolId} n ${n}`);
        assert.equal(header.userDefinedField ?? 0, nibble);
      },
    ),
    { numRuns: 400 },
  );
  // The exact boundaries.
  const len = (n: number) => encodeEncapsulationPacket({ protocolId: 4, data: new Uint8Array(n) });
  assert.equal(len(253).length - 253, 2);
  assert.equal(len(254).length - 254, 4);
  assert.equal(len(65531).length - 65531, 4);
  assert.equal(len(65532).length - 65532, 8);
  assert.equal(toHex(encodeEncapsulationPacket({ protocolId: ProtocolId.IDLE })), 'e0');
  assert.equal(toHex(encodeEncapsulationPacket({ protocolId: ProtocolId.BP })), 'f102');
  assert.equal(
    toHex(encodeEncapsulationPacket({ protocolId: ProtocolId.EXTENDED, protocolIdExtension: 5 })),
    'fa050004',
  );
});

test('encodeEncapsulationPacketHeader picks the form from the packet length', () => {
  const hex = (packetLength: number, protocolId = 1) =>
    toHex(encodeEncapsulationPacketHeader({ protocolId, packetLength }));
  assert.equal(hex(1, 0), 'e0');
  assert.equal(hex(2, 0), 'e102');
  assert.equal(hex(255), 'e5ff');
  assert.equal(hex(256), 'e6000100');
  assert.equal(hex(65535), 'e600ffff');
  assert.equal(hex(65536), 'e70000000001' + '0000');
  assert.equal(hex(MAX_ENCAPSULATION_PACKET_LENGTH), 'e7000000ffffffff');
  throwsCode(() => hex(1), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(
    () => encodeEncapsulationPacketHeader({ protocolId: 1, packetLength: 3, lengthOfLength: 2 }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(
    () => encodeEncapsulationPacketHeader({ protocolId: 1, packetLength: 256, lengthOfLength: 1 }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(() => hex(2 ** 32), CcsdsErrorCode.INVALID_ARGUMENT);
});

test('encoder refuses what the forced form cannot carry', () => {
  const bad: Parameters<typeof encodeEncapsulationPacket>[0][] = [
    { protocolId: 1, lengthOfLength: 0 },
    { protocolId: 0, lengthOfLength: 0, data: new Uint8Array(1) },
    { protocolId: 6, lengthOfLength: 1 },
    { protocolId: 1, lengthOfLength: 1, userDefinedField: 1 },
    { protocolId: 1, lengthOfLength: 1, protocolIdExtension: 1 },
    { protocolId: 1, lengthOfLength: 2, ccsdsDefinedField: 1 },
    { protocolId: 1, lengthOfLength: 1, data: new Uint8Array(254) },
    { protocolId: 1, lengthOfLength: 2, data: new Uint8Array(65532) },
    { protocolId: 1, lengthOfLength: 4 },
    { protocolId: 8 },
    { protocolId: -1 },
    { protocolId: 1.5 },
    { protocolId: 1, userDefinedField: 16 },
    { protocolId: 1, protocolIdExtension: -1 },
    { protocolId: 1, ccsdsDefinedField: 0x10000 },
    { protocolId: 1, packetVersionNumber: 6 },
  ];
  for (const init of bad) throwsCode(() => encodeEncapsulationPacket(init), 'INVALID_ARGUMENT');
  // Zero-valued optional fields are fine in the small forms.
  assert.equal(
    toHex(
      encodeEncapsulationPacket({
        protocolId: 1,
        lengthOfLength: 1,
        userDefinedField: 0,
        protocolIdExtension: 0,
        ccsdsDefinedField: 0,
        packetVersionNumber: 7,
      }),
    ),
    'e502',
  );
});

test('idle packets of any length', () => {
  assert.equal(toHex(encodeEncapsulationIdlePacket(1)), 'e0');
  assert.equal(toHex(encodeEncapsulationIdlePacket(5)), 'e105000000');
  assert.equal(toHex(encodeEncapsulationIdlePacket(4, 0x55)), 'e1045555');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70_000 }), (n) => {
      const p = encodeEncapsulationIdlePacket(n);
      assert.equal(p.length, n);
      const d = decodeEncapsulationPacket(p, { exact: true });
      assert.equal(d.header.protocolId, ProtocolId.IDLE);
      assert.equal(d.header.lengthOfLength, n === 1 ? 0 : n <= 255 ? 1 : n <= 65535 ? 2 : 3);
    }),
    { numRuns: 200 },
  );
  throwsCode(() => encodeEncapsulationIdlePacket(0), 'INVALID_ARGUMENT');
  throwsCode(() => encodeEncapsulationIdlePacket(3, 256), 'INVALID_ARGUMENT');
});

test('decoder errors carry codes and offsets', () => {
  const b = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (x) => parseInt(x, 16));
  throwsCode(() => decodeEncapsulationPacketHeader(b('')), 'TRUNCATED', 0);
  throwsCode(() => decodeEncapsulationPacketHeader(b('0000e1'), 2), 'TRUNCATED', 2);
  throwsCode(() => decodeEncapsulationPacketHeader(b('f200ff')), 'TRUNCATED', 0);
  throwsCode(() => decodeEncapsulationPacketHeader(b('f30000000000')), 'TRUNCATED', 0);
  throwsCode(() => decodeEncapsulationPacketHeader(b('00e4'), 1), 'INVALID_FIELD', 1);
  throwsCode(() => decodeEncapsulationPacketHeader(b('c0')), 'INVALID_FIELD', 0);
  throwsCode(() => decodeEncapsulationPacketHeader(b('f905')), 'INVALID_FIELD', 0);
  throwsCode(() => decodeEncapsulationPacketHeader(b('f3000000' + '00000007')), 'INVALID_FIELD', 4);
  throwsCode(() => decodeEncapsulationPacketHeader(b('aaf2000003'), 1), 'INVALID_FIELD', 3);
  throwsCode(
    () => decodeEncapsulationPacketHeader(b('f3000000ffffffff'), 0, { maxPacketLength: 65544 }),
    'LIMIT_EXCEEDED',
    4,
  );
  throwsCode(
    () => decodeEncapsulationPacket(b('f10400'), { maxPacketLength: 3 }),
    'LIMIT_EXCEEDED',
    1,
  );
  throwsCode(() => decodeEncapsulationPacket(b('f10400'), {}), 'TRUNCATED', 0);
  throwsCode(() => decodeEncapsulationPacket(b('f1030000'), { exact: true }), 'INVALID_FIELD', 3);
  throwsCode(() => decodeEncapsulationPacket(b('e0'), { maxPacketLength: 0 }), 'INVALID_ARGUMENT');
  // The largest 8-octet claim is a valid header (the data need not be present).
  assert.equal(
    decodeEncapsulationPacketHeader(b('f3000000ffffffff')).packetLength,
    MAX_ENCAPSULATION_PACKET_LENGTH,
  );
  // Decoding at an offset, trailing octets ignored without `exact`.
  const p = decodeEncapsulationPacket(b('00e1030a' + 'ff'), { offset: 1 });
  assert.equal(toHex(p.data), '0a');
  assert.equal(p.header.packetLength, 3);
  // Reserved protocol ID 101 is carried, not rejected.
  assert.equal(decodeEncapsulationPacketHeader(b('f502')).protocolId, ProtocolId.RESERVED);
  assert.equal(LengthOfLength.FOUR_OCTETS, 3);
});

test('classifyEncapsulationHeader agrees with the header decoder on every short input', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 9 }),
      fc.integer({ min: 1, max: 300 }),
      (bytes, max) => {
        const c = classifyEncapsulationHeader(bytes, 0, bytes.length, max);
        let decoded: number | string;
        try {
          decoded = decodeEncapsulationPacketHeader(bytes, 0, {
            maxPacketLength: max,
          }).packetLength;
        } catch (e) {
          assert.ok(e instanceof CcsdsError);
          decoded = e.code;
        }
        if (c > 0) assert.equal(decoded, c);
        else if (c === NEED_MORE) assert.equal(decoded, CcsdsErrorCode.TRUNCATED);
        else if (c === NOT_A_UNIT) assert.equal(decoded, CcsdsErrorCode.INVALID_FIELD);
        else if (c === HEADER_TOO_LONG) assert.equal(decoded, CcsdsErrorCode.LIMIT_EXCEEDED);
        else assert.fail(`unexpected ${c}`);
      },
    ),
    { numRuns: 5000 },
  );
});

test('writeEncapsulationPacket writes the same octets into a caller buffer', () => {
  fc.assert(
    fc.property(
      fc.array(packetArb(1), { maxLength: 6 }),
      fc.array(packetArb(3), { maxLength: 3 }),
      (a, b) => {
        const all = [...a, ...b];
        const expected = all.map((p) => toHex(encodeEncapsulationPacket(p))).join('');
        const buf = new Uint8Array(expected.length / 2 + 3);
        let o = 3;
        for (const p of all) o += writeEncapsulationPacket(buf, o, p);
        assert.equal(o, buf.length);
        assert.equal(toHex(buf.subarray(3)), expected);
      },
    ),
    { numRuns: 200 },
  );
  const buf = new Uint8Array(5);
  throwsCode(
    () => writeEncapsulationPacket(buf, 2, { protocolId: 1, data: new Uint8Array(2) }),
    'INVALID_ARGUMENT',
  );
  throwsCode(() => writeEncapsulationPacket(buf, 6, { protocolId: 0 }), 'INVALID_ARGUMENT');
  assert.equal(writeEncapsulationPacket(buf, 4, { protocolId: 0 }), 1);
  assert.equal(toHex(buf), '00000000e0');
});
