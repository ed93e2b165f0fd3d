import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from 'ccsds/core';
import {
  decodeSpacePacket,
  decodeSpacePacketHeader,
  encodeSpacePacket,
  encodeSpacePacketHeader,
  isIdlePacket,
  readSpacePackets,
  validateSpacePackets,
} from 'ccsds/spp';
import { createHash } from 'node:crypto';
import { loadVectors } from '../support/vectors.js';

interface PacketFields {
  version: number;
  packet_type: number;
  secondary_header_flag: number;
  apid: number;
  sequence_flags: number;
  sequence_count: number;
  data_length_field: number;
  packet_data_field_length: number;
  total_length: number;
  secondary_header?: string;
  user_data?: string;
  data_sha256?: string;
}
interface Vector {
  name: string;
  kind: 'primary_header' | 'packet' | 'stream';
  hex: string;
  fields: PacketFields & { packets?: PacketFields[] };
}

const { vectors } = loadVectors<{ vectors: Vector[] }>('spp/packets.json');

function checkHeader(bytes: Uint8Array, f: PacketFields, name: string): void {
  const h = decodeSpacePacketHeader(bytes);
  assert.deepEqual(
    {
      version: h.packetVersionNumber,
      packet_type: h.packetType,
      secondary_header_flag: h.secondaryHeaderFlag ? 1 : 0,
      apid: h.apid,
      sequence_flags: h.sequenceFlags,
      sequence_count: h.packetSequenceCount,
      data_length_field: h.packetDataLength,
      packet_data_field_length: h.packetDataLength + 1,
      total_length: h.packetDataLength + 7,
    },
    {
      version: f.version,
      packet_type: f.packet_type,
      secondary_header_flag: f.secondary_header_flag,
      apid: f.apid,
      sequence_flags: f.sequence_flags,
      sequence_count: f.sequence_count,
      data_length_field: f.data_length_field,
      packet_data_field_length: f.packet_data_field_length,
      total_length: f.total_length,
    },
    name,
  );
  assert.equal(toHex(encodeSpacePacketHeader(h)), toHex(bytes.subarray(0, 6)), `${name} re-encode`);
}

function checkPacket(bytes: Uint8Array, f: PacketFields, name: string): void {
  checkHeader(bytes, f, name);
  const p = decodeSpacePacket(bytes);
  const sec = f.secondary_header === undefined ? new Uint8Array(0) : fromHex(f.secondary_header);
  if (f.data_sha256 !== undefined) {
    assert.equal(createHash('sha256').update(p.packetDataField).digest('hex'), f.data_sha256);
  } else {
    const user = fromHex(f.user_data ?? '');
    assert.equal(toHex(p.packetDataField), toHex(sec) + toHex(user), `${name} data field`);
  }
  const re = encodeSpacePacket({
    apid: p.header.apid,
    packetType: p.header.packetType,
    secondaryHeaderFlag: p.header.secondaryHeaderFlag,
    sequenceFlags: p.header.sequenceFlags,
    packetSequenceCount: p.header.packetSequenceCount,
    userData: p.packetDataField,
  });
  assert.equal(toHex(re), toHex(bytes), `${name} re-encode`);
  assert.equal(isIdlePacket(p.header), f.apid === 2047);
}

test('every spp/packets.json vector decodes to its fields and re-encodes identically', () => {
  let n = 0;
  for (const v of vectors) {
    const bytes = fromHex(v.hex);
    if (v.kind === 'primary_header') checkHeader(bytes, v.fields, v.name);
    else if (v.kind === 'packet') checkPacket(bytes, v.fields, v.name);
    else {
      const { packets, skipped } = readSpacePackets(bytes);
      assert.deepEqual(skipped, []);
      assert.equal(packets.length, v.fields.packets!.length);
      packets.forEach((p, i) => checkPacket(p.bytes, v.fields.packets![i]!, `${v.name}[${i}]`));
      const report = validateSpacePackets(bytes);
      assert.equal(report.ok, true, 'the 16383 -> 0 wrap is not a gap');
      assert.equal(report.idlePackets, 1);
    }
    n++;
  }
  assert.equal(n, vectors.length);
  assert.ok(n >= 26);
});
