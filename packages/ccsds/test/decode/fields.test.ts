import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom, fromHex } from 'ccsds/core';
import { encodeSpacePacket } from 'ccsds/spp';
import {
  type DecodedTable,
  type FieldDefinition,
  type PacketDefinition,
  PacketEncoder,
  cellValue,
  decodeMil1750a32,
  decodeMil1750a48,
  decodePackets,
  encodeHalf,
  encodeMil1750a32,
  encodeMil1750a48,
  getColumn,
  rowObject,
} from 'ccsds/decode';

function packet(apid: number, data: string): Uint8Array {
  return encodeSpacePacket({ apid, userData: fromHex(data) });
}

function table(
  bytes: Uint8Array,
  def: PacketDefinition,
  mode: 'compiled' | 'interpreted' = 'compiled',
): DecodedTable {
  const r = decodePackets(bytes, def, { mode });
  assert.equal(r.report.ok, true, JSON.stringify(r.report.diagnostics));
  return r.tables.get(def.name)!;
}

function both(bytes: Uint8Array, def: PacketDefinition): Record<string, unknown>[] {
  const a = table(bytes, def, 'compiled');
  const b = table(bytes, def, 'interpreted');
  const rows = Array.from({ length: a.rows }, (_, i) => rowObject(a, i));
  assert.deepEqual(
    Array.from({ length: b.rows }, (_, i) => rowObject(b, i)),
    rows,
    'compiled and interpreted decoders agree',
  );
  return rows;
}

test('unsigned and signed integers at any offset and width, big and little endian, permutations', () => {
  // data: a5 (8) | 3 bits 101, 13 bits signed | 16-bit LE 0x1234 | 32-bit "3412" | 64-bit | 1-bit fields
  const def: PacketDefinition = {
    name: 'ints',
    fields: [
      { name: 'u8', type: 'uint', bits: 8 },
      { name: 'u3', type: 'uint', bits: 3 },
      { name: 's13', type: 'int', bits: 13 },
      { name: 'le16', type: 'uint', bits: 16, byteOrder: 'little' },
      { name: 'p32', type: 'uint', bits: 32, byteOrder: '3412' },
      { name: 'u64', type: 'uint', bits: 64 },
      { name: 's64', type: 'int', bits: 64 },
      { name: 'u40', type: 'uint', bits: 40 },
      { name: 's48le', type: 'int', bits: 48, byteOrder: 'little' },
      { name: 'bit', type: 'uint', bits: 1 },
      { name: 'sbit', type: 'int', bits: 1 },
      { name: 'pad', type: 'fill', bits: 6 },
    ],
  };
  // u3=101, s13 = 1 0000 0000 0001 (-4095)
  const data =
    'a5' +
    'b001' +
    '3412' +
    '56781234' +
    'fedcba9876543210' +
    'ffffffffffffffff' +
    '0102030405' +
    'feffffffffff' +
    'c0';
  const [row] = both(packet(5, data), def);
  assert.deepEqual(row, {
    u8: 0xa5,
    u3: 5,
    s13: -4095,
    le16: 0x1234,
    p32: 0x12345678,
    u64: 0xfedcba9876543210n,
    s64: -1n,
    u40: 0x0102030405,
    s48le: -2,
    bit: 1,
    sbit: -1,
  });
  const t = table(packet(5, data), def);
  assert.ok(getColumn(t, 'u64')!.values instanceof BigUint64Array);
  assert.ok(getColumn(t, 's13')!.values instanceof Int16Array);
  assert.equal(getColumn(t, 'pad'), undefined, 'fill has no column');
});

test('floats: IEEE 16/32/64 (big and little endian) and MIL-STD-1750A 32/48', () => {
  const def: PacketDefinition = {
    name: 'floats',
    fields: [
      { name: 'h', type: 'float', bits: 16 },
      { name: 'f', type: 'float', bits: 32 },
      { name: 'fle', type: 'float', bits: 32, byteOrder: 'little' },
      { name: 'd', type: 'float', bits: 64 },
      { name: 'dle', type: 'float', bits: 64, byteOrder: 'little' },
      { name: 'm32', type: 'float', bits: 32, floatFormat: 'mil-std-1750a' },
      { name: 'm48', type: 'float', bits: 48, floatFormat: 'mil-std-1750a' },
      { name: 'odd', type: 'uint', bits: 3 },
      { name: 'fu', type: 'float', bits: 32 },
      { name: 'rest', type: 'fill', bits: 5 },
    ],
  };
  const f32 = Buffer.alloc(4);
  f32.writeFloatBE(-1.5);
  const f32le = Buffer.alloc(4);
  f32le.writeFloatLE(3.25);
  const f64 = Buffer.alloc(8);
  f64.writeDoubleBE(Math.PI);
  const f64le = Buffer.alloc(8);
  f64le.writeDoubleLE(-1e300);
  // unaligned float: 3 bits 101, then 2.5 as f32 shifted by 3 bits, then 5 bits pad
  const u = Buffer.alloc(4);
  u.writeFloatBE(2.5);
  const v = (0b101n << 37n) | (BigInt(u.readUInt32BE(0)) << 5n);
  const unaligned = v.toString(16).padStart(10, '0');
  const data =
    '3c00' +
    f32.toString('hex') +
    f32le.toString('hex') +
    f64.toString('hex') +
    f64le.toString('hex') +
    '50000004' + // 0.625 * 2^4 = 10
    '40000001' +
    '0000' + // 0.5 * 2^1 = 1 (48-bit)
    unaligned;
  const [row] = both(packet(6, data), def);
  assert.deepEqual(row, {
    h: 1,
    f: -1.5,
    fle: 3.25,
    d: Math.PI,
    dle: -1e300,
    m32: 10,
    m48: 1,
    odd: 5,
    fu: 2.5,
  });
  // MIL-STD-1750A known values (the standard's examples) and round trips.
  assert.equal(decodeMil1750a32(0x7fffff7f), 0.9999998807907104 * 2 ** 127);
  assert.equal(decodeMil1750a32(0x40000000), 0.5);
  assert.equal(decodeMil1750a32(0x80000000), -1);
  assert.equal(decodeMil1750a32(0xc0000001), -1);
  assert.equal(decodeMil1750a32(0xa0000005), -24);
  assert.equal(decodeMil1750a48(0x4000007f0000), 0.5 * 2 ** 127);
  fc.assert(
    fc.property(
      fc.integer({ min: -(2 ** 22), max: 2 ** 22 }),
      fc.integer({ min: -20, max: 20 }),
      (m, e) => {
        const x = m * 2 ** e;
        assert.equal(decodeMil1750a32(encodeMil1750a32(x)), x);
        assert.equal(decodeMil1750a48(encodeMil1750a48(x)), x);
      },
    ),
  );
  assert.equal(encodeHalf(65504), 0x7bff);
  assert.equal(encodeHalf(2 ** -24), 1);
});

test('text (utf-8, latin1, NUL padding, unaligned) and octets', () => {
  const def: PacketDefinition = {
    name: 'text',
    fields: [
      { name: 's', type: 'str', bits: 64 },
      { name: 'l', type: 'str', bits: 16, encoding: 'latin1' },
      { name: 'b', type: 'bytes', bits: 24 },
      { name: 'nib', type: 'uint', bits: 4 },
      { name: 'su', type: 'str', bits: 16 },
      { name: 'rest', type: 'fill', bits: 4 },
    ],
  };
  const data =
    Buffer.from('héllo\0\0', 'utf8').toString('hex').padEnd(16, '0') +
    'e9ff' +
    'deadbe' +
    'a' +
    '4f4b' +
    '0';
  const t = table(packet(1, data), def);
  const row = rowObject(t, 0);
  assert.equal(row['s'], 'héllo');
  assert.equal(row['l'], 'é\u00ff');
  assert.deepEqual(Array.from(row['b'] as Uint8Array), [0xde, 0xad, 0xbe]);
  assert.equal(row['nib'], 10);
  assert.equal(row['su'], 'OK');
  assert.equal(getColumn(t, 'b')!.type, 'bytes');
  both(packet(1, data), def);
});

test('bad field definitions are rejected with INVALID_ARGUMENT', () => {
  const bad: FieldDefinition[] = [
    { name: 'x', type: 'uint', bits: 65 },
    { name: 'x', type: 'float', bits: 24 },
    { name: 'x', type: 'float', bits: 64, floatFormat: 'mil-std-1750a' },
    { name: 'x', type: 'str', bits: 12 },
    { name: 'x', type: 'uint', bits: 12, byteOrder: 'little' },
    { name: 'x', type: 'uint', bits: 16, byteOrder: '13' },
    { name: 'x', type: 'uint', bits: 8, shape: [0] },
    { name: 'x', type: 'uint', bits: 8, shape: 'nope' },
    { name: 'x', type: 'str', bits: 8, shape: 3 },
    { name: 'x', type: 'nope' as 'uint', bits: 8 },
  ];
  for (const f of bad) {
    assert.throws(
      () => decodePackets(new Uint8Array(0), { name: 'd', fields: [f] }),
      (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT',
      JSON.stringify(f),
    );
  }
  assert.throws(() =>
    decodePackets(new Uint8Array(0), {
      name: 'd',
      fields: [
        { name: 'a', type: 'uint', bits: 8 },
        { name: 'a', type: 'uint', bits: 8 },
      ],
    }),
  );
});

const fieldArb: fc.Arbitrary<FieldDefinition> = fc
  .oneof(
    fc.record({
      type: fc.constantFrom('uint' as const, 'int' as const),
      bits: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({
      type: fc.constantFrom('uint' as const, 'int' as const),
      bits: fc.constantFrom(16, 24, 32, 48, 64),
      byteOrder: fc.constantFrom('little', 'big'),
    }),
    fc.record({ type: fc.constant('float' as const), bits: fc.constantFrom(16, 32, 64) }),
    fc.record({
      type: fc.constant('float' as const),
      bits: fc.constantFrom(32, 48),
      floatFormat: fc.constant('mil-std-1750a' as const),
    }),
    fc.record({ type: fc.constant('bytes' as const), bits: fc.constantFrom(8, 16, 40) }),
    fc.record({ type: fc.constant('fill' as const), bits: fc.integer({ min: 1, max: 9 }) }),
    fc.record({
      type: fc.constantFrom('uint' as const, 'int' as const),
      bits: fc.integer({ min: 1, max: 20 }),
      shape: fc.constantFrom(3, [2, 2] as number[]),
      order: fc.constantFrom('C' as const, 'F' as const),
    }),
  )
  .map((f) => ({ name: '', ...f }));

function randomValue(f: FieldDefinition, rng: SeededRandom): unknown {
  const one = (): unknown => {
    if (f.type === 'float') {
      if (f.floatFormat === 'mil-std-1750a') return (rng.nextInt(2000) - 1000) / 8;
      return f.bits === 16
        ? (rng.nextInt(2000) - 1000) / 4
        : (rng.nextInt(2 ** 20) - 2 ** 19) / 1024;
    }
    const w = f.type === 'bytes' ? 8 : f.bits;
    let v = 0n;
    for (let k = 0; k < w; k++) v = (v << 1n) | BigInt(rng.nextInt(2));
    if (f.type === 'int' && v >= 1n << BigInt(w - 1)) v -= 1n << BigInt(w);
    return w > 53 ? v : Number(v);
  };
  if (f.type === 'bytes') return Array.from({ length: f.bits / 8 }, one);
  if (f.shape !== undefined)
    return Array.from({ length: typeof f.shape === 'number' ? f.shape : 4 }, one);
  return one();
}

test('property: encode then decode gives the values back, compiled and interpreted alike', () => {
  fc.assert(
    fc.property(
      fc.array(fieldArb, { minLength: 1, maxLength: 10 }),
      fc.integer(),
      (fieldsIn, seed) => {
        const fields = fieldsIn.map((f, i) => ({ ...f, name: `f${i}` }));
        const def: PacketDefinition = { name: 'p', apid: 7, fields };
        const rng = new SeededRandom(seed);
        const enc = new PacketEncoder(def);
        const rows = [0, 1, 2].map(() =>
          Object.fromEntries(fields.map((f) => [f.name, randomValue(f, rng)])),
        );
        const bytes = Buffer.concat(rows.map((r) => enc.encode('p', r)));
        const decoded = both(bytes, def);
        assert.equal(decoded.length, 3);
        decoded.forEach((got, i) => {
          for (const f of fields) {
            if (f.type === 'fill') continue;
            const want = rows[i]![f.name];
            const g = got[f.name];
            const norm = (x: unknown): unknown =>
              ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : x;
            if (f.type === 'float' && f.bits === 32 && f.floatFormat !== 'mil-std-1750a') {
              assert.equal(g, Math.fround(want as number));
            } else assert.deepEqual(norm(g), want, f.name);
          }
        });
      },
    ),
    { numRuns: 150 },
  );
});

test('cellValue gives typed views for arrays and scalars for scalars', () => {
  const def: PacketDefinition = {
    name: 'a',
    fields: [{ name: 'x', type: 'uint', bits: 16, shape: [2, 3] }],
  };
  const t = table(packet(1, '000100020003000400050006'), def);
  const c = getColumn(t, 'x')!;
  assert.deepEqual(c.shape, [2, 3]);
  assert.deepEqual(Array.from(cellValue(c, 0) as Uint16Array), [1, 2, 3, 4, 5, 6]);
});
