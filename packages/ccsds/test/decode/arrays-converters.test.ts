import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from 'ccsds/core';
import { encodeSpacePacket } from 'ccsds/spp';
import {
  cdsFromInstant,
  encodeCds,
  encodeCuc,
  cucFromInstant,
  instantFromIso,
  encodeCcs,
  ccsFromInstant,
} from 'ccsds/time';
import {
  type PacketDefinition,
  PacketEncoder,
  cellValue,
  decodePackets,
  getColumn,
  rowObject,
} from 'ccsds/decode';

const pkt = (data: string, apid = 1): Uint8Array =>
  encodeSpacePacket({ apid, userData: fromHex(data) });

function rows(bytes: Uint8Array, def: PacketDefinition, opts = {}): Record<string, unknown>[] {
  const out: Record<string, unknown>[][] = [];
  for (const mode of ['compiled', 'interpreted'] as const) {
    const r = decodePackets(bytes, def, { mode, ...opts });
    const t = r.tables.get(def.name)!;
    out.push(Array.from({ length: t.rows }, (_, i) => rowObject(t, i)));
  }
  assert.deepEqual(out[1], out[0]);
  return out[0]!;
}

const arr = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v);

test('fixed N-dimensional arrays in C and F order', () => {
  const def: PacketDefinition = {
    name: 'a',
    fields: [
      { name: 'c', type: 'uint', bits: 8, shape: [2, 3] },
      { name: 'f', type: 'uint', bits: 8, shape: [2, 3], order: 'F' },
      { name: 'n', type: 'int', bits: 4, shape: 4 },
    ],
  };
  // F order in the packet: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2)
  const [r] = rows(pkt('010203040506' + '0a0d0b0e0c0f' + 'f17f'), def);
  assert.deepEqual(arr(r!['c']), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(arr(r!['f']), [10, 11, 12, 13, 14, 15]);
  assert.deepEqual(arr(r!['n']), [-1, 1, 7, -1]);
  const t = decodePackets(pkt('010203040506' + '0a0d0b0e0c0f' + 'f17f'), def).tables.get('a')!;
  assert.deepEqual(getColumn(t, 'f')!.shape, [2, 3]);
});

test('arrays sized by an earlier field, with fields after them; overrun is diagnosed', () => {
  const def: PacketDefinition = {
    name: 'v',
    fields: [
      { name: 'n', type: 'uint', bits: 8 },
      { name: 'x', type: 'uint', bits: 12, shape: 'n' },
      { name: 'm', type: 'uint', bits: 4 },
      { name: 'y', type: 'int', bits: 16, shape: 'm' },
      { name: 'tail', type: 'uint', bits: 8 },
    ],
  };
  const enc = new PacketEncoder({ ...def, apid: 3 });
  const a = enc.encode('v', { x: [1, 2, 4095], y: [-1, 300], tail: 9 });
  const b = enc.encode('v', { x: [], y: [], tail: 7 });
  const got = rows(Buffer.concat([a, b]), def);
  assert.deepEqual(
    got.map((r) => [r['n'], arr(r['x']), r['m'], arr(r['y']), r['tail']]),
    [
      [3, [1, 2, 4095], 2, [-1, 300], 9],
      [0, [], 0, [], 7],
    ],
  );
  const t = decodePackets(Buffer.concat([a, b]), def).tables.get('v')!;
  assert.deepEqual(Array.from(getColumn(t, 'x')!.offsets!), [0, 3, 3]);
  // A count that runs past the packet: no row, a diagnostic with the offset.
  const bad = pkt('ff0102');
  for (const mode of ['compiled', 'interpreted'] as const) {
    const r = decodePackets(Buffer.concat([a, bad]), def, { mode });
    assert.equal(r.tables.get('v')!.rows, 1);
    assert.equal(r.report.rejected, 1);
    assert.deepEqual(
      r.report.diagnostics.map((d) => [d.kind, d.offset]),
      [['array-overrun', a.length]],
    );
  }
});

test('expand arrays take the rest of the packet minus trailing fields', () => {
  const def: PacketDefinition = {
    name: 'e',
    fields: [
      { name: 'h', type: 'uint', bits: 8 },
      { name: 'data', type: 'uint', bits: 16, shape: 'expand' },
      { name: 'crc', type: 'uint', bits: 16 },
    ],
  };
  const got = rows(Buffer.concat([pkt('01' + '000100020003' + 'abcd'), pkt('02' + 'abcd')]), def);
  assert.deepEqual(
    got.map((r) => [r['h'], arr(r['data']), r['crc']]),
    [
      [1, [1, 2, 3], 0xabcd],
      [2, [], 0xabcd],
    ],
  );
  const bytesDef: PacketDefinition = {
    name: 'b',
    fields: [{ name: 'payload', type: 'bytes', bits: 8, shape: 'expand' }],
  };
  const [r] = rows(pkt('00ff10'), bytesDef);
  assert.deepEqual(arr(r!['payload']), [0, 255, 16]);
  // Too short for the trailing field.
  const short = decodePackets(pkt('01'), def);
  assert.equal(short.report.rejected, 1);
  assert.equal(short.report.diagnostics[0]!.kind, 'too-short');
});

test('converters: polynomial, linear, enum with unknowns, stringify, function, header inputs', () => {
  const def: PacketDefinition = {
    name: 'c',
    fields: [
      { name: 'raw', type: 'uint', bits: 8 },
      { name: 'mode', type: 'uint', bits: 8 },
      { name: 'blob', type: 'bytes', bits: 16 },
      { name: 'v', type: 'int', bits: 8, shape: 2 },
    ],
    converters: [
      { kind: 'polynomial', output: 'poly', input: 'raw', coefficients: [1, 2, 0.5] },
      { kind: 'linear', output: 'lin', input: 'v', slope: 10, intercept: -1 },
      { kind: 'enum', output: 'modeName', input: 'mode', values: { '0': 'OFF', '1': 'ON' } },
      {
        kind: 'enum',
        output: 'modeName2',
        input: 'mode',
        values: { '0': 'OFF' },
        unknown: 'UNKNOWN',
      },
      { kind: 'stringify', output: 'hex', input: 'blob', format: 'hex' },
      { kind: 'stringify', output: 'bin', input: 'blob', format: 'bin' },
      {
        kind: 'function',
        output: 'sum',
        inputs: ['raw', 'CCSDS_APID', 'poly'],
        fn: (a, b, c) => Number(a) + Number(b) + Number(c),
      },
    ],
  };
  const got = rows(
    Buffer.concat([pkt('04' + '01' + 'a50f' + 'ff02', 42), pkt('02' + '07' + '0000' + '0000', 42)]),
    def,
  );
  assert.deepEqual(got[0], {
    raw: 4,
    mode: 1,
    blob: new Uint8Array([0xa5, 0x0f]),
    v: new Int8Array([-1, 2]),
    poly: 1 + 8 + 8,
    lin: new Float64Array([-11, 19]),
    modeName: 'ON',
    modeName2: 'UNKNOWN',
    hex: 'a50f',
    bin: '1010010100001111',
    sum: 4 + 42 + 17,
  });
  assert.equal(got[1]!['modeName'], null);
  assert.equal(got[1]!['modeName2'], 'UNKNOWN');
  assert.equal('CCSDS_APID' in got[0]!, false, 'header input columns are not added unless asked');
  const withHeader = rows(pkt('04' + '01' + 'a50f' + 'ff02', 42), def, {
    includePrimaryHeader: true,
  });
  assert.equal(withHeader[0]!['CCSDS_APID'], 42);
  assert.equal(withHeader[0]!['CCSDS_PACKET_LENGTH'], 5);
});

test('time converters: CUC, CDS, CCS codes through the time layer, and raw counts since an epoch', () => {
  const t = instantFromIso('2024-03-01T12:34:56.5Z');
  const cuc = encodeCuc(cucFromInstant(t, { coarseOctets: 4, fineOctets: 2 }));
  const cdsImplicit = encodeCds(cdsFromInstant(t, { subMs: 'microseconds' }), {
    explicitPField: false,
  });
  const ccs = encodeCcs(ccsFromInstant(t, { resolution: 1 }));
  const def: PacketDefinition = {
    name: 't',
    fields: [
      { name: 'cuc', type: 'bytes', bits: cuc.length * 8 },
      { name: 'cds', type: 'bytes', bits: cdsImplicit.length * 8 },
      { name: 'ccs', type: 'bytes', bits: ccs.length * 8 },
      { name: 'coarse', type: 'uint', bits: 32 },
      { name: 'fine', type: 'uint', bits: 16 },
    ],
    converters: [
      { kind: 'timecode', output: 'tCuc', input: 'cuc', code: 'cuc' },
      {
        kind: 'timecode',
        output: 'tCds',
        input: 'cds',
        code: 'cds',
        pField: { subMs: 'microseconds' },
      },
      { kind: 'timecode', output: 'tCcs', input: 'ccs', code: 'ccs' },
      {
        kind: 'time',
        output: 'tRaw',
        inputs: ['coarse', 'fine'],
        units: ['seconds', 2 ** -16],
        epoch: '2000-01-01T00:00:00Z',
      },
      {
        kind: 'time',
        output: 'tUnix',
        inputs: ['coarse'],
        units: ['milliseconds'],
        epoch: '1970-01-01T00:00:00',
        epochScale: 'TAI',
        format: 'tai',
      },
      { kind: 'timecode', output: 'tUnixOut', input: 'cuc', code: 'cuc', format: 'unix' },
    ],
  };
  const data = Buffer.concat([cuc, cdsImplicit, ccs, fromHex('0000000a' + '8000')]);
  const [r] = rows(pkt(data.toString('hex')), def);
  assert.equal(r!['tCuc'], '2024-03-01T12:34:56.500000000Z');
  assert.equal(r!['tCds'], '2024-03-01T12:34:56.500000000Z');
  assert.equal(r!['tCcs'], '2024-03-01T12:34:56.500000000Z');
  assert.equal(r!['tRaw'], '2000-01-01T00:00:10.500000000Z');
  assert.equal(r!['tUnixOut'], Date.UTC(2024, 2, 1, 12, 34, 56, 500) / 1000);
  assert.equal(typeof r!['tUnix'], 'number');
  // An invalid CDS code gives null and a conversion diagnostic, not an exception.
  const badCds = Buffer.from(data);
  badCds.fill(0xff, cuc.length + 2, cuc.length + 6);
  const res = decodePackets(pkt(badCds.toString('hex')), def);
  const row = rowObject(res.tables.get('t')!, 0);
  assert.equal(row['tCds'], null);
  assert.equal(res.report.conversionErrors, 1);
  assert.equal(res.report.diagnostics[0]!.kind, 'conversion');
  assert.equal(res.report.ok, false);
  void cellValue;
});
