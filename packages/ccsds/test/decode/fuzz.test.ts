import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from 'ccsds/core';
import {
  type PacketDefinition,
  PacketEncoder,
  PacketRegistry,
  TelemetryDecoder,
  definitionsToJson,
  loadCsvDefinition,
  loadJsonDefinitions,
  loadXtceDefinitions,
  planLayout,
} from 'ccsds/decode';
import { fuzzDecoder } from '../support/fuzz.js';

const DEFS: PacketDefinition[] = [
  {
    name: 'fixed',
    apid: 1,
    fields: [
      { name: 'a', type: 'uint', bits: 13 },
      { name: 'b', type: 'int', bits: 19 },
      { name: 'f', type: 'float', bits: 32 },
      { name: 'm', type: 'float', bits: 48, floatFormat: 'mil-std-1750a' },
      { name: 'big', type: 'uint', bits: 64, byteOrder: 'little' },
      { name: 's', type: 'str', bits: 32 },
    ],
  },
  {
    name: 'var',
    apid: 2,
    fields: [
      { name: 'n', type: 'uint', bits: 8 },
      { name: 'x', type: 'int', bits: 12, shape: 'n' },
      { name: 'k', type: 'uint', bits: 4 },
      { name: 'rest', type: 'uint', bits: 16, shape: 'expand' },
      { name: 'crc', type: 'uint', bits: 16 },
    ],
    converters: [{ kind: 'polynomial', output: 'kk', input: 'k', coefficients: [1, 2] }],
  },
  {
    name: 'cond',
    apid: 3,
    conditions: [{ field: 'kind', value: 1 }],
    fields: [
      { name: 'kind', type: 'uint', bits: 8 },
      { name: 'cds', type: 'bytes', bits: 56 },
    ],
    converters: [{ kind: 'timecode', output: 't', input: 'cds', code: 'cds' }],
  },
];

const rng = new SeededRandom(77);
const enc = new PacketEncoder(DEFS);
const packets = [
  ...Array.from({ length: 10 }, (_, i) =>
    enc.encode('fixed', { a: i, b: -i, f: i / 3, m: i, big: BigInt(i) << 40n, s: 'ab' }),
  ),
  ...Array.from({ length: 10 }, () =>
    enc.encode('var', {
      x: Array.from({ length: rng.nextInt(6) }, () => rng.nextInt(2048)),
      rest: [1, 2],
      crc: 5,
    }),
  ),
  ...Array.from({ length: 5 }, () => enc.encode('cond', { cds: [0x40, 0, 1, 0, 0, 0, 1] })),
];
// Plain Uint8Arrays: Buffer#slice is a view, and the mutator must not change the seeds.
const seeds = Array.from(
  { length: 30 },
  () => new Uint8Array(Buffer.concat(Array.from({ length: 4 }, () => rng.pick(packets)))),
);

test('fuzz: the stream decoder (compiled) never throws, hangs or emits phantom rows', () => {
  let rows = 0;
  const d = new TelemetryDecoder(DEFS, { batchRows: Infinity }, (t) => (rows += t.rows));
  const s = fuzzDecoder(
    (b) => {
      d.reset();
      d.pushAll(b);
      const r = d.report();
      assert.equal(r.octets, b.length);
      assert.ok(r.decoded <= r.packets);
      return r;
    },
    { seeds, seed: 11, maxRandomLength: 200 },
  );
  assert.equal(s.accepted, s.runs, JSON.stringify(s.codes));
  assert.ok(rows > 1000, `rows ${rows}`);
});

test('fuzz: the interpreted decoder in chunks agrees with the compiled one on counts', () => {
  const d = new TelemetryDecoder(DEFS, { mode: 'interpreted' });
  const c = new TelemetryDecoder(DEFS);
  const s = fuzzDecoder(
    (b) => {
      d.reset();
      d.push(b.subarray(0, b.length >> 1));
      d.push(b.subarray(b.length >> 1));
      d.end();
      c.reset();
      c.pushAll(b);
      assert.equal(d.report().decoded, c.report().decoded);
      assert.equal(d.report().skippedOctets, c.report().skippedOctets);
    },
    { seeds, seed: 12, runs: 100_000, maxRandomLength: 120 },
  );
  assert.equal(s.rejected, 0, JSON.stringify(s.codes));
});

const enc8 = (t: string): Uint8Array => new TextEncoder().encode(t);
const dec8 = (b: Uint8Array): string => new TextDecoder().decode(b);

test('fuzz: CSV, JSON and XTCE loaders throw only CcsdsError', () => {
  const csv =
    'name, data_type, bit_length, bit_offset\nA, uint, 8, 48\nB, "int(2, 3)", 4, 56\nC, uint(A), 8, 80\n';
  const c = fuzzDecoder((b) => new PacketRegistry([loadCsvDefinition(dec8(b))]).resolveAll(), {
    seeds: [enc8(csv), enc8('name,data_type,bit_length\nX,"uint(expand)",16\nY,float,64\n')],
    seed: 21,
  });
  assert.ok(c.accepted > 0 && c.rejected > 0);
  const json = definitionsToJson(DEFS);
  const j = fuzzDecoder(
    (b) => {
      const reg = new PacketRegistry(loadJsonDefinitions(dec8(b)));
      return reg.resolveAll().map((x) => planLayout(x.fields));
    },
    {
      seeds: [
        enc8(json),
        enc8(
          JSON.stringify([
            {
              name: 'a',
              apid: [1, 2],
              fields: [{ name: 'x', type: 'uint', bits: 8, shape: [2, 2] }],
            },
          ]),
        ),
      ],
      seed: 22,
    },
  );
  assert.ok(j.accepted > 0 && j.rejected > 0);
  const xml =
    '<SpaceSystem><TelemetryMetaData><ParameterTypeSet><IntegerParameterType name="T"><IntegerDataEncoding sizeInBits="8"/></IntegerParameterType>' +
    '<EnumeratedParameterType name="E"><IntegerDataEncoding sizeInBits="8"/><EnumerationList><Enumeration value="1" label="A"/></EnumerationList></EnumeratedParameterType></ParameterTypeSet>' +
    '<ParameterSet><Parameter name="P" parameterTypeRef="T"/><Parameter name="Q" parameterTypeRef="E"/></ParameterSet>' +
    '<ContainerSet><SequenceContainer name="R"><EntryList><ParameterRefEntry parameterRef="Q"/></EntryList></SequenceContainer>' +
    '<SequenceContainer name="C"><EntryList><ParameterRefEntry parameterRef="P"/></EntryList><BaseContainer containerRef="R"><RestrictionCriteria><Comparison parameterRef="Q" value="A"/></RestrictionCriteria></BaseContainer></SequenceContainer>' +
    '</ContainerSet></TelemetryMetaData></SpaceSystem>';
  const x = fuzzDecoder(
    (b) =>
      new PacketRegistry(loadXtceDefinitions(dec8(b)))
        .resolveAll()
        .map((r) => planLayout(r.fields)),
    { seeds: [enc8(xml)], seed: 23, maxRandomLength: 64 },
  );
  assert.ok(x.accepted > 0 && x.rejected > 0);
});
