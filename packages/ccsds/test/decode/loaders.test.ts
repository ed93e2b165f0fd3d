import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from 'ccsds/core';
import { encodeSpacePacket } from 'ccsds/spp';
import {
  PacketEncoder,
  PacketRegistry,
  decodePackets,
  definitionsToJson,
  loadCsvDefinition,
  loadJsonDefinitions,
  loadXtceDefinitions,
  parseCsvDataType,
  parseXml,
  rowObject,
} from 'ccsds/decode';

const arr = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v);

test('ccsdspy CSV, 3-column form with every array syntax', () => {
  const csv = [
    'name, data_type, bit_length',
    'SHCOARSE, uint, 32',
    'N, uint, 8',
    'GRID, "int(2, 3)", 8',
    'SPACER, fill, 4',
    'MODE, uint, 4',
    'SAMPLES, "uint(N)", 16',
    'REST, "uint(expand)", 8',
    'CRC, uint, 16',
  ].join('\n');
  const def = loadCsvDefinition(csv, { name: 'sci', apid: 9 });
  assert.deepEqual(
    def.fields.map((f) => [f.name, f.type, f.bits, f.shape]),
    [
      ['SHCOARSE', 'uint', 32, undefined],
      ['N', 'uint', 8, undefined],
      ['GRID', 'int', 8, [2, 3]],
      ['SPACER', 'fill', 4, undefined],
      ['MODE', 'uint', 4, undefined],
      ['SAMPLES', 'uint', 16, 'N'],
      ['REST', 'uint', 8, 'expand'],
      ['CRC', 'uint', 16, undefined],
    ],
  );
  const enc = new PacketEncoder(def);
  const p = enc.encode('sci', {
    SHCOARSE: 7,
    GRID: [1, -2, 3, -4, 5, -6],
    MODE: 3,
    SAMPLES: [10, 20],
    REST: [1, 2, 3],
    CRC: 0xbeef,
  });
  const r = decodePackets(p, def);
  const row = rowObject(r.tables.get('sci')!, 0);
  assert.deepEqual(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, arr(v)])), {
    SHCOARSE: 7,
    N: 2,
    GRID: [1, -2, 3, -4, 5, -6],
    MODE: 3,
    SAMPLES: [10, 20],
    REST: [1, 2, 3],
    CRC: 0xbeef,
  });
});

test('ccsdspy CSV, 4-column form: offsets from the packet start; extension columns', () => {
  const csv =
    'name,data_type,bit_length,bit_offset,byte_order,unit\r\nA,uint(4),8,48,,\r\nB,uint,16,88,little,V\r\n# comment\r\n\r\n';
  const def = loadCsvDefinition(csv);
  assert.deepEqual(
    def.fields.map((f) => [f.name, f.offset, f.byteOrder, f.unit]),
    [
      ['A', 48, undefined, undefined],
      ['B', 88, 'little', 'V'],
    ],
  );
  const r = decodePackets(
    encodeSpacePacket({ apid: 1, userData: fromHex('01020304003412ffff') }),
    def,
  );
  assert.deepEqual(arr(rowObject(r.tables.get('packet')!, 0)['A']), [1, 2, 3, 4]);
  assert.equal(rowObject(r.tables.get('packet')!, 0)['B'], 0x1234);
  assert.deepEqual(parseCsvDataType('float'), { type: 'float' });
  for (const bad of [
    'name,data_type\nA,uint',
    'name,data_type,bit_length\nA,uint(,8',
    'name,data_type,bit_length\nA,double,8',
    'name,data_type,bit_length\nA,uint,x',
    '',
    'name,data_type,bit_length\n"A,uint,8',
  ]) {
    assert.throws(
      () => loadCsvDefinition(bad),
      (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT',
      bad,
    );
  }
});

test('JSON definitions: round trip through definitionsToJson, unknown keys rejected', () => {
  const defs = loadJsonDefinitions(
    JSON.stringify({
      definitions: [
        {
          name: 'base',
          apid: 5,
          abstract: true,
          fields: [{ name: 'kind', type: 'uint', bits: 8 }],
        },
        {
          name: 'hk',
          extends: 'base',
          conditions: [{ field: 'kind', value: 1 }],
          fields: [{ name: 'volts', type: 'uint', bits: 16, unit: 'mV' }],
          converters: [{ kind: 'linear', output: 'V', input: 'volts', slope: 0.5 }],
        },
      ],
    }),
  );
  assert.deepEqual(loadJsonDefinitions(definitionsToJson(defs)), defs);
  const r = decodePackets(new PacketEncoder(defs).encode('hk', { volts: 3300 }), defs);
  assert.deepEqual(rowObject(r.tables.get('hk')!, 0), { kind: 1, volts: 3300, V: 1650 });
  assert.equal(r.tables.has('base'), false, 'abstract definitions decode nothing');
  for (const bad of [
    '{',
    '[{"name":"a","fields":[{"name":"x","type":"uint","bits":8,"byteorder":"little"}]}]',
    '{"name":"a"}',
    '[{"name":"a","fields":[],"converters":[{"kind":"magic"}]}]',
  ]) {
    assert.throws(
      () => loadJsonDefinitions(bad),
      (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT',
      bad,
    );
  }
});

const XTCE = `<?xml version="1.0" encoding="UTF-8"?>
<xtce:SpaceSystem xmlns:xtce="http://www.omg.org/spec/XTCE/20180204" name="Mission">
  <xtce:TelemetryMetaData>
    <xtce:ParameterTypeSet>
      <xtce:IntegerParameterType name="U3" signed="false"><xtce:IntegerDataEncoding sizeInBits="3"/></xtce:IntegerParameterType>
      <xtce:IntegerParameterType name="U1" signed="false"><xtce:IntegerDataEncoding sizeInBits="1"/></xtce:IntegerParameterType>
      <xtce:IntegerParameterType name="U11" signed="false"><xtce:IntegerDataEncoding sizeInBits="11"/></xtce:IntegerParameterType>
      <xtce:IntegerParameterType name="U2" signed="false"><xtce:IntegerDataEncoding sizeInBits="2"/></xtce:IntegerParameterType>
      <xtce:IntegerParameterType name="U14" signed="false"><xtce:IntegerDataEncoding sizeInBits="14"/></xtce:IntegerParameterType>
      <xtce:IntegerParameterType name="U16" signed="false"><xtce:IntegerDataEncoding sizeInBits="16"/></xtce:IntegerParameterType>
      <xtce:IntegerParameterType name="Temp">
        <xtce:UnitSet><xtce:Unit>degC</xtce:Unit></xtce:UnitSet>
        <xtce:IntegerDataEncoding sizeInBits="12" encoding="twosComplement">
          <xtce:DefaultCalibrator><xtce:PolynomialCalibrator>
            <xtce:Term coefficient="-40" exponent="0"/><xtce:Term coefficient="0.5" exponent="1"/>
          </xtce:PolynomialCalibrator></xtce:DefaultCalibrator>
        </xtce:IntegerDataEncoding>
      </xtce:IntegerParameterType>
      <xtce:FloatParameterType name="F32"><xtce:FloatDataEncoding sizeInBits="32"/></xtce:FloatParameterType>
      <xtce:FloatParameterType name="M32"><xtce:FloatDataEncoding sizeInBits="32" encoding="MILSTD_1750A"/></xtce:FloatParameterType>
      <xtce:EnumeratedParameterType name="Kind">
        <xtce:IntegerDataEncoding sizeInBits="4"/>
        <xtce:EnumerationList>
          <xtce:Enumeration value="1" label="HK"/><xtce:Enumeration value="2" label="EVENT"/>
        </xtce:EnumerationList>
      </xtce:EnumeratedParameterType>
      <xtce:StringParameterType name="Msg">
        <xtce:StringDataEncoding encoding="US-ASCII"><xtce:SizeInBits><xtce:Fixed><xtce:FixedValue>32</xtce:FixedValue></xtce:Fixed></xtce:SizeInBits></xtce:StringDataEncoding>
      </xtce:StringParameterType>
      <xtce:BinaryParameterType name="Raw2"><xtce:BinaryDataEncoding><xtce:SizeInBits><xtce:FixedValue>16</xtce:FixedValue></xtce:SizeInBits></xtce:BinaryDataEncoding></xtce:BinaryParameterType>
      <xtce:BooleanParameterType name="Flag"><xtce:IntegerDataEncoding sizeInBits="4"/></xtce:BooleanParameterType>
      <xtce:AbsoluteTimeParameterType name="Obt">
        <xtce:Encoding units="seconds" scale="1" offset="0"><xtce:IntegerDataEncoding sizeInBits="32"/></xtce:Encoding>
        <xtce:ReferenceTime><xtce:Epoch>2000-01-01T00:00:00Z</xtce:Epoch></xtce:ReferenceTime>
      </xtce:AbsoluteTimeParameterType>
    </xtce:ParameterTypeSet>
    <xtce:ParameterSet>
      <xtce:Parameter name="VERSION" parameterTypeRef="U3"/><xtce:Parameter name="TYPE" parameterTypeRef="U1"/>
      <xtce:Parameter name="SHF" parameterTypeRef="U1"/><xtce:Parameter name="APID" parameterTypeRef="U11"/>
      <xtce:Parameter name="SEQFLAGS" parameterTypeRef="U2"/><xtce:Parameter name="SEQCOUNT" parameterTypeRef="U14"/>
      <xtce:Parameter name="LENGTH" parameterTypeRef="U16"/>
      <xtce:Parameter name="OBT" parameterTypeRef="Obt"/><xtce:Parameter name="KIND" parameterTypeRef="Kind"/>
      <xtce:Parameter name="TEMP" parameterTypeRef="Temp"/><xtce:Parameter name="POWER" parameterTypeRef="F32"/>
      <xtce:Parameter name="GAIN" parameterTypeRef="M32"/><xtce:Parameter name="MSG" parameterTypeRef="Msg"/>
      <xtce:Parameter name="RAW" parameterTypeRef="Raw2"/><xtce:Parameter name="FLAG" parameterTypeRef="Flag"/>
    </xtce:ParameterSet>
    <xtce:ContainerSet>
      <xtce:SequenceContainer name="CCSDSPacket" abstract="true">
        <xtce:EntryList>
          <xtce:ParameterRefEntry parameterRef="VERSION"/><xtce:ParameterRefEntry parameterRef="TYPE"/>
          <xtce:ParameterRefEntry parameterRef="SHF"/><xtce:ParameterRefEntry parameterRef="APID"/>
          <xtce:ParameterRefEntry parameterRef="SEQFLAGS"/><xtce:ParameterRefEntry parameterRef="SEQCOUNT"/>
          <xtce:ParameterRefEntry parameterRef="LENGTH"/>
        </xtce:EntryList>
      </xtce:SequenceContainer>
      <xtce:SequenceContainer name="App100" abstract="true">
        <xtce:EntryList><xtce:ParameterRefEntry parameterRef="OBT"/><xtce:ParameterRefEntry parameterRef="KIND"/></xtce:EntryList>
        <xtce:BaseContainer containerRef="CCSDSPacket">
          <xtce:RestrictionCriteria><xtce:Comparison parameterRef="APID" value="100"/></xtce:RestrictionCriteria>
        </xtce:BaseContainer>
      </xtce:SequenceContainer>
      <xtce:SequenceContainer name="Housekeeping">
        <xtce:EntryList>
          <xtce:ParameterRefEntry parameterRef="TEMP"/><xtce:ParameterRefEntry parameterRef="FLAG"/>
          <xtce:ParameterRefEntry parameterRef="POWER"/><xtce:ParameterRefEntry parameterRef="GAIN"/>
        </xtce:EntryList>
        <xtce:BaseContainer containerRef="App100">
          <xtce:RestrictionCriteria><xtce:Comparison parameterRef="KIND" value="HK"/></xtce:RestrictionCriteria>
        </xtce:BaseContainer>
      </xtce:SequenceContainer>
      <xtce:SequenceContainer name="Event">
        <xtce:EntryList>
          <xtce:ParameterRefEntry parameterRef="MSG"><xtce:LocationInContainerInBits referenceLocation="previousEntry"><xtce:FixedValue>4</xtce:FixedValue></xtce:LocationInContainerInBits></xtce:ParameterRefEntry>
          <xtce:ParameterRefEntry parameterRef="RAW"/>
        </xtce:EntryList>
        <xtce:BaseContainer containerRef="App100">
          <xtce:RestrictionCriteria><xtce:ComparisonList><xtce:Comparison parameterRef="KIND" value="EVENT"/><xtce:Comparison parameterRef="TYPE" value="0"/></xtce:ComparisonList></xtce:RestrictionCriteria>
        </xtce:BaseContainer>
      </xtce:SequenceContainer>
    </xtce:ContainerSet>
  </xtce:TelemetryMetaData>
</xtce:SpaceSystem>`;

test('XTCE subset: inheritance, restriction criteria, types, calibrators; one pass over a mixed stream', () => {
  const defs = loadXtceDefinitions(XTCE);
  assert.deepEqual(
    defs.map((d) => [d.name, d.apid, d.abstract === true]),
    [
      ['CCSDSPacket', undefined, true],
      ['App100', 100, true],
      ['Housekeeping', undefined, false],
      ['Event', undefined, false],
    ],
  );
  const reg = new PacketRegistry(defs);
  assert.deepEqual(reg.get('Housekeeping')!.apids, [100]);
  const enc = new PacketEncoder(reg);
  const hk = enc.encode('Housekeeping', { OBT: 86400, TEMP: 100, FLAG: 1, POWER: 2.5, GAIN: 10 });
  const ev = enc.encode('Event', { OBT: 5, MSG: 'BOOT', RAW: [0xca, 0xfe] });
  const other = encodeSpacePacket({ apid: 100, userData: fromHex('00000000' + '30') }); // KIND 3: no container
  const r = decodePackets(Buffer.concat([hk, ev, other]), reg);
  const h = rowObject(r.tables.get('Housekeeping')!, 0);
  assert.equal(h['APID'], 100);
  assert.equal(h['KIND'], 1);
  assert.equal(h['KIND_eu'], 'HK');
  assert.equal(h['TEMP_eu'], -40 + 50);
  assert.equal(h['POWER'], 2.5);
  assert.equal(h['GAIN'], 10);
  assert.equal(h['OBT_eu'], '2000-01-02T00:00:00.000000000Z');
  const e = rowObject(r.tables.get('Event')!, 0);
  assert.equal(e['MSG'], 'BOOT');
  assert.deepEqual(arr(e['RAW']), [0xca, 0xfe]);
  assert.equal(r.report.undecoded, 1, 'the packet no container matches is reported');
  assert.equal(
    r.report.diagnostics.find((d) => d.kind === 'no-definition')?.offset,
    hk.length + ev.length,
  );
  assert.throws(() => parseXml('<a><b></a>'), /unexpected/);
  assert.throws(
    () => loadXtceDefinitions(XTCE.replace('parameterTypeRef="F32"', 'parameterTypeRef="Nope"')),
    /unknown type/,
  );
});
