import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, CcsdsErrorCode, concatBytes, fromHex, toHex } from 'ccsds/core';
import {
  decodeEncapsulationPacket,
  decodeEncapsulationPacketHeader,
  encodeEncapsulationPacket,
  encodeEncapsulationPacketHeader,
  EncapsulationPacketReader,
  readEncapsulationPackets,
} from 'ccsds/epp';
import { loadVectors } from '../support/vectors.js';

interface EppFields {
  packet_version_number: number;
  protocol_id: number;
  protocol_id_name: string;
  length_of_length: number;
  header_length: number;
  user_defined_field: number | null;
  protocol_id_extension: number | null;
  ccsds_defined_field: string | null;
  packet_length_field: number | null;
  packet_length: number;
  data_length: number;
  idle: boolean;
  data: string | null;
}
interface EppVector {
  name: string;
  hex: string;
  fields: EppFields;
}
interface EppInvalid {
  name: string;
  hex: string;
  fields: { error: string };
}

const file = loadVectors<{ vectors: EppVector[]; invalid: EppInvalid[] }>('epp/packets.json');

/** Vectors whose header is deliberately larger than the smallest form that fits. */
const NOT_SMALLEST = new Set([
  'epp-bp-8-octet-forced-small',
  'epp-extended-8-octet',
  'epp-bp-4-octet-empty',
]);

function orUndefined<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

test('every epp vector decodes to its listed fields', () => {
  assert.equal(file.vectors.length, 18);
  for (const v of file.vectors) {
    const bytes = fromHex(v.hex);
    const f = v.fields;
    const h = decodeEncapsulationPacketHeader(bytes);
    assert.equal(h.packetVersionNumber, f.packet_version_number, v.name);
    assert.equal(h.protocolId, f.protocol_id, v.name);
    assert.equal(h.lengthOfLength, f.length_of_length, v.name);
    assert.equal(h.headerLength, f.header_length, v.name);
    assert.equal(h.userDefinedField, orUndefined(f.user_defined_field), v.name);
    assert.equal(h.protocolIdExtension, orUndefined(f.protocol_id_extension), v.name);
    assert.equal(
      h.ccsdsDefinedField,
      f.ccsds_defined_field === null ? undefined : parseInt(f.ccsds_defined_field, 16),
      v.name,
    );
    assert.equal(h.packetLength, f.packet_length, v.name);
    if (f.packet_length_field !== null) assert.equal(h.packetLength, f.packet_length_field);
    const p = decodeEncapsulationPacket(bytes, { exact: true });
    assert.deepEqual(p.header, h, v.name);
    assert.equal(p.data.length, f.data_length, v.name);
    assert.equal(p.header.protocolId === 0, f.idle, v.name);
    const data = f.data ?? v.hex.slice(2 * f.header_length);
    assert.equal(toHex(p.data), data, v.name);
  }
});

test('every epp vector re-encodes to the same octets in the form it uses', () => {
  for (const v of file.vectors) {
    const f = v.fields;
    const data = fromHex(f.data ?? v.hex.slice(2 * f.header_length));
    const init = {
      protocolId: f.protocol_id,
      data,
      lengthOfLength: f.length_of_length,
      userDefinedField: orUndefined(f.user_defined_field),
      protocolIdExtension: orUndefined(f.protocol_id_extension),
      ccsdsDefinedField:
        f.ccsds_defined_field === null ? undefined : parseInt(f.ccsds_defined_field, 16),
    };
    assert.equal(toHex(encodeEncapsulationPacket(init)), v.hex, `${v.name} (forced form)`);
    // The decoded header re-encodes to the same header octets.
    const header = decodeEncapsulationPacketHeader(fromHex(v.hex));
    assert.equal(
      toHex(encodeEncapsulationPacketHeader(header)),
      v.hex.slice(0, 2 * f.header_length),
      `${v.name} header`,
    );
    // Without a forced form the encoder picks the smallest one.
    const auto = encodeEncapsulationPacket({ ...init, lengthOfLength: undefined });
    if (NOT_SMALLEST.has(v.name)) {
      assert.ok(auto.length < f.packet_length, `${v.name}: smaller form exists`);
      assert.deepEqual(decodeEncapsulationPacket(auto).data, data);
    } else {
      assert.equal(toHex(auto), v.hex, `${v.name} (smallest form)`);
    }
  }
});

test('every invalid epp header is rejected with a CcsdsError', () => {
  assert.equal(file.invalid.length, 5);
  const expected: Record<string, string> = {
    'epp-invalid-lol0-nonidle': CcsdsErrorCode.INVALID_FIELD,
    'epp-invalid-length-below-header-2': CcsdsErrorCode.INVALID_FIELD,
    'epp-invalid-length-below-header-4': CcsdsErrorCode.INVALID_FIELD,
    'epp-invalid-truncated': CcsdsErrorCode.TRUNCATED,
    'epp-invalid-version': CcsdsErrorCode.INVALID_FIELD,
  };
  for (const v of file.invalid) {
    const code = expected[v.name];
    assert.ok(code !== undefined, `unexpected invalid vector ${v.name}`);
    assert.throws(
      () => decodeEncapsulationPacket(fromHex(v.hex)),
      (e: unknown) => e instanceof CcsdsError && e.code === code && e.offset !== undefined,
      v.name,
    );
    if (code !== CcsdsErrorCode.TRUNCATED) {
      assert.throws(
        () => decodeEncapsulationPacketHeader(fromHex(v.hex)),
        (e: unknown) => e instanceof CcsdsError && e.code === code,
        `${v.name} header`,
      );
    }
    // A stream made only of the invalid octets yields no packet.
    const r = readEncapsulationPackets(fromHex(v.hex));
    assert.equal(r.packets.length, 0, `${v.name} stream`);
    assert.equal(
      r.skipped.reduce((n, s) => n + s.end - s.start, 0),
      v.hex.length / 2,
    );
  }
});

test('all vectors concatenated read back as a stream, in order, nothing skipped', () => {
  const parts = file.vectors.map((v) => fromHex(v.hex));
  const stream = concatBytes(parts);
  for (const chunkSize of [stream.length, 4096, 7, 1]) {
    const got: string[] = [];
    const skipped: unknown[] = [];
    const reader = new EncapsulationPacketReader(
      (p) => got.push(toHex(p.bytes)),
      (s) => skipped.push(s),
    );
    for (let i = 0; i < stream.length; i += chunkSize)
      reader.push(stream.subarray(i, i + chunkSize));
    reader.end();
    assert.deepEqual(skipped, [], `chunk ${chunkSize}`);
    assert.deepEqual(
      got,
      file.vectors.map((v) => v.hex),
      `chunk ${chunkSize}`,
    );
  }
});
