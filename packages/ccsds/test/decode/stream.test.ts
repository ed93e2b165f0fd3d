import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SeededRandom } from 'ccsds/core';
import { encodeIdlePacket, encodeSpacePacket, segmentUserData } from 'ccsds/spp';
import {
  type DecodeResult,
  type DecodedRecord,
  type DecodedTable,
  type PacketDefinition,
  PacketEncoder,
  PacketRegistry,
  TelemetryDecoder,
  decodeBatches,
  decodePackets,
  decodeRecords,
  decodeStream,
  rowObject,
} from 'ccsds/decode';

const DEFS: PacketDefinition[] = [
  {
    name: 'hk',
    apid: 10,
    fields: [
      { name: 't', type: 'uint', bits: 32 },
      { name: 'temp', type: 'int', bits: 12 },
      { name: 'mode', type: 'uint', bits: 4 },
      { name: 'v', type: 'float', bits: 32 },
    ],
    converters: [
      { kind: 'enum', output: 'modeName', input: 'mode', values: { '1': 'SAFE', '2': 'SCIENCE' } },
    ],
  },
  {
    name: 'sci',
    apid: 20,
    fields: [
      { name: 't', type: 'uint', bits: 32 },
      { name: 'n', type: 'uint', bits: 8 },
      { name: 'samples', type: 'int', bits: 16, shape: 'n' },
      { name: 'label', type: 'str', bits: 32 },
    ],
  },
];

function mixedStream(n: number, seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const enc = new PacketEncoder(DEFS);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.5)) {
      parts.push(
        enc.encode('hk', { t: i, temp: rng.nextInt(4096) - 2048, mode: rng.nextInt(3), v: i / 4 }),
      );
    } else {
      parts.push(
        enc.encode('sci', {
          t: i,
          samples: Array.from({ length: rng.nextInt(20) }, () => rng.nextInt(65536) - 32768),
          label: `S${i % 100}`,
        }),
      );
    }
    if (rng.chance(0.1)) parts.push(encodeIdlePacket(7 + rng.nextInt(10)));
  }
  return Buffer.concat(parts);
}

function chunks(bytes: Uint8Array, rng: SeededRandom): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const k = 1 + rng.nextInt(700);
    out.push(bytes.slice(o, o + k));
    o += k;
  }
  return out;
}

function plain(r: DecodeResult): unknown {
  return {
    tables: [...r.tables].map(([k, t]) => [
      k,
      t.rows,
      Array.from(t.packetOffsets),
      Array.from({ length: t.rows }, (_, i) => rowObject(t, i)),
    ]),
    report: r.report,
  };
}

test('the same packets from a file, a buffer and a stream give identical results', async () => {
  const bytes = mixedStream(2000, 1);
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-decode-'));
  try {
    const file = join(dir, 'tm.bin');
    writeFileSync(file, bytes);
    const fromBuffer = decodePackets(bytes, DEFS);
    assert.equal(
      fromBuffer.report.ok,
      true,
      JSON.stringify(fromBuffer.report.diagnostics.slice(0, 3)),
    );
    assert.equal(fromBuffer.report.decoded, 2000);
    assert.ok(fromBuffer.report.idlePackets > 100);
    const fromFile = await decodeStream(createReadStream(file, { highWaterMark: 4096 }), DEFS);
    const fromChunks = await decodeStream(Readable.from(chunks(bytes, new SeededRandom(2))), DEFS, {
      batchRows: 97,
    });
    const interpreted = decodePackets(bytes, DEFS, { mode: 'interpreted' });
    assert.deepEqual(plain(fromFile), plain(fromBuffer));
    assert.deepEqual(plain(fromChunks), plain(fromBuffer));
    assert.deepEqual(plain(interpreted), plain(fromBuffer));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('batches are bounded; records come in stream order as chunks arrive', async () => {
  const bytes = mixedStream(500, 3);
  const gen = decodeBatches(chunks(bytes, new SeededRandom(4)), DEFS, { batchRows: 50 });
  let rows = 0;
  let batches = 0;
  for (;;) {
    const n = await gen.next();
    if (n.done === true) {
      assert.equal(n.value.decoded, 500);
      break;
    }
    const t: DecodedTable = n.value;
    assert.ok(t.rows <= 50);
    rows += t.rows;
    batches++;
  }
  assert.equal(rows, 500);
  assert.ok(batches >= 10);
  const recs: DecodedRecord[] = [];
  for await (const r of decodeRecords(chunks(bytes, new SeededRandom(5)), DEFS)) recs.push(r);
  assert.equal(recs.length, 500);
  assert.deepEqual(
    recs.map((r) => r.values['t']),
    Array.from({ length: 500 }, (_, i) => i),
  );
  assert.ok(recs.every((r, i) => i === 0 || r.offset > recs[i - 1]!.offset));
});

test('garbage, truncation and length mismatches resynchronise with a report; no phantom rows', () => {
  const enc = new PacketEncoder(DEFS);
  const a = enc.encode('hk', { t: 1, mode: 1 });
  const b = enc.encode('hk', { t: 2, mode: 2 });
  const short = encodeSpacePacket({
    apid: 10,
    packetSequenceCount: 2,
    userData: new Uint8Array(3),
  });
  const c = enc.encode('hk', { t: 3 }, { sequenceCount: 3 });
  const garbage = new Uint8Array([0xff, 0xfe, 0xfd, 0x13, 0x37]);
  const d = enc.encode('sci', { t: 4, samples: [1, 2, 3], label: 'X' });
  const cut = enc.encode('sci', { t: 5, samples: [4] }).subarray(0, 9);
  const stream = Buffer.concat([a, b, short, c, garbage, d, cut]);
  for (const mode of ['compiled', 'interpreted'] as const) {
    const r = decodePackets(stream, DEFS, { mode });
    assert.deepEqual(
      Array.from(
        { length: r.tables.get('hk')!.rows },
        (_, i) => rowObject(r.tables.get('hk')!, i)['t'],
      ),
      [1, 2, 3],
    );
    assert.deepEqual(
      Array.from(
        { length: r.tables.get('sci')!.rows },
        (_, i) => rowObject(r.tables.get('sci')!, i)['t'],
      ),
      [4],
    );
    assert.equal(r.report.ok, false);
    const kinds = r.report.diagnostics.map((x) => [x.kind, x.offset]);
    const at = (k: number): number =>
      [a, b, short, c, garbage, d].slice(0, k).reduce((s, p) => s + p.length, 0);
    assert.deepEqual(kinds, [
      ['too-short', at(2)],
      ['garbage', at(4)],
      ['truncated', at(6)],
    ]);
    assert.equal(r.report.skippedOctets, garbage.length + cut.length);
    assert.equal(r.report.octets, stream.length);
  }
});

test('sequence gaps per APID modulo 16384, duplicates; idle packets filtered; --apids filter', () => {
  const enc = new PacketEncoder(DEFS);
  const p = (count: number, apid = 10): Uint8Array =>
    enc.encode(apid === 10 ? 'hk' : 'sci', { t: count }, { sequenceCount: count });
  const stream = Buffer.concat([
    p(16382),
    p(16383),
    p(0),
    encodeIdlePacket(20),
    p(1, 20),
    p(3),
    p(3),
    p(2, 20),
  ]);
  const r = decodePackets(stream, DEFS);
  assert.equal(r.report.idlePackets, 1);
  assert.equal(r.report.decoded, 7);
  const hk = r.report.apids.find((s) => s.apid === 10)!;
  assert.deepEqual([hk.gaps, hk.missingPackets, hk.duplicates], [1, 2, 1]);
  assert.deepEqual(
    r.report.diagnostics.map((d) => d.kind),
    ['sequence-gap', 'sequence-duplicate'],
  );
  const only = decodePackets(stream, DEFS, { apids: [20] });
  assert.equal(only.report.filtered, 5);
  assert.equal(only.tables.get('hk')!.rows, 0);
  assert.equal(only.tables.get('sci')!.rows, 2);
  // The encoder's own counts wrap.
  const e = new PacketEncoder(DEFS);
  let last = -1;
  for (let i = 0; i < 16390; i++) {
    const x = e.encode('hk', {});
    last = ((x[2]! & 0x3f) << 8) | x[3]!;
  }
  assert.equal(last, 16389 - 16384);
});

test('segmented packets are reassembled before decoding; broken groups are reported', () => {
  const def: PacketDefinition = {
    name: 'big',
    apid: 30,
    fields: [
      { name: 'n', type: 'uint', bits: 16 },
      { name: 'data', type: 'uint', bits: 8, shape: 'expand' },
    ],
  };
  const payload = new Uint8Array(1000).map((_, i) => i & 0xff);
  payload[0] = 0x03;
  payload[1] = 0xe6;
  const segs = segmentUserData(payload, {
    apid: 30,
    maxDataFieldLength: 300,
    firstSequenceCount: 5,
  });
  assert.equal(segs.length, 4);
  const r = decodePackets(Buffer.concat(segs), def);
  assert.equal(r.report.ok, true);
  const t = r.tables.get('big')!;
  assert.equal(t.rows, 1);
  const row = rowObject(t, 0);
  assert.equal(row['n'], 998);
  assert.deepEqual(Array.from(row['data'] as Uint8Array), Array.from(payload.subarray(2)));
  const broken = decodePackets(Buffer.concat([segs[0]!, segs[1]!, segs[3]!]), def);
  assert.equal(broken.tables.get('big')!.rows, 0);
  // The gap aborts the open group; the last segment then has no first segment.
  assert.equal(broken.report.segmentsAborted, 2);
  const noReassembly = decodePackets(Buffer.concat(segs), def, { reassemble: false });
  assert.equal(noReassembly.tables.get('big')!.rows, 4);
});

test('selection beyond APID: criteria on header and data fields, most derived definition wins', () => {
  const reg = new PacketRegistry([
    {
      name: 'tc',
      apid: 50,
      conditions: [{ field: 'CCSDS_PACKET_TYPE', value: 1 }],
      fields: [{ name: 'code', type: 'uint', bits: 8 }],
    },
    { name: 'base', apid: 50, fields: [{ name: 'kind', type: 'uint', bits: 8 }] },
    {
      name: 'k1',
      extends: 'base',
      conditions: [{ field: 'kind', value: 1 }],
      fields: [{ name: 'a', type: 'uint', bits: 16 }],
    },
    {
      name: 'k2',
      extends: 'base',
      conditions: [{ field: 'kind', op: '>=', value: 2 }],
      fields: [{ name: 'b', type: 'int', bits: 8 }],
    },
    { name: 'any', fields: [{ name: 'first', type: 'uint', bits: 8 }] },
  ]);
  const enc = new PacketEncoder(reg);
  const stream = Buffer.concat([
    enc.encode('k1', { a: 7 }),
    enc.encode('k2', { kind: 5, b: -3 }),
    enc.encode('base', { kind: 0 }),
    enc.encode('tc', { code: 0 }, { packetType: 1 }),
    enc.encode('any', { first: 1 }, { apid: 99 }),
  ]);
  const r = decodePackets(stream, reg);
  assert.deepEqual(
    Object.fromEntries(
      [...r.tables].map(([k, t]) => [k, Array.from({ length: t.rows }, (_, i) => rowObject(t, i))]),
    ),
    {
      tc: [{ code: 0 }],
      base: [{ kind: 0 }],
      k1: [{ kind: 1, a: 7 }],
      k2: [{ kind: 5, b: -3 }],
      any: [{ first: 1 }],
    },
  );
  assert.throws(
    () => new PacketRegistry([{ name: 'x', extends: 'y', fields: [] }]).resolveAll(),
    /unknown definition/,
  );
  assert.throws(
    () => new PacketRegistry([{ name: 'x', extends: 'x', fields: [] }]).resolveAll(),
    /cycle/,
  );
  assert.throws(
    () =>
      decodePackets(stream, [
        {
          name: 'x',
          conditions: [{ field: 'arr', value: 1 }],
          fields: [{ name: 'arr', type: 'uint', bits: 8, shape: 2 }],
        },
      ]),
    /fixed position/,
  );
});

test('push-style decoder: flush hands out rows so far, end reports a trailing partial packet', () => {
  const enc = new PacketEncoder(DEFS);
  const tables: DecodedTable[] = [];
  const d = new TelemetryDecoder(DEFS, {}, (t) => tables.push(t));
  const p = enc.encode('hk', { t: 1 });
  d.push(p.subarray(0, 5));
  d.flush();
  assert.equal(tables.length, 0);
  d.push(p.subarray(5));
  d.flush();
  assert.equal(tables.length, 1);
  d.push(p.subarray(0, 8));
  d.end();
  const rep = d.report();
  assert.equal(rep.decoded, 1);
  assert.deepEqual(
    rep.diagnostics.map((x) => [x.kind, x.offset, x.length]),
    [['truncated', p.length, 8]],
  );
  assert.throws(() => d.push(p), /after end/);
});
