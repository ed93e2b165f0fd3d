import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex, isCcsdsError } from 'ccsds/core';
import {
  decodeUslpFrame,
  encodeUslpFrame,
  PacketExtractor,
  type ReceivedPacket,
  USLP_POINTER_NONE,
  UslpReceiver,
  type UslpReceivedSdu,
  type UslpTransferFrame,
} from 'ccsds/link';
import { loadVectors } from '../support/vectors.js';
import { pick } from './helpers.js';

interface Params {
  frame_type: 'fixed' | 'variable';
  fixed_frame_length: number | null;
  truncated_frame_length: number | null;
  insert_zone_length: number;
  fecf_present: boolean;
}
interface Vector {
  name: string;
  hex: string;
  params: Params;
  fields: Record<string, unknown> & {
    frames?: (Record<string, unknown> & { offset: number; length: number })[];
    expected_packets?: string[];
    expected_sdus?: string[];
    packets?: string[] | null;
    vc_frame_count?: number | null;
  };
}

const file = loadVectors<{ vectors: Vector[] }>('frames/uslp.json');
const singles = file.vectors.filter((v) => v.fields.frames === undefined);
const sequences = file.vectors.filter((v) => v.fields.frames !== undefined);

const hex4 = (n: number | undefined): string | null =>
  n === undefined ? null : n.toString(16).padStart(4, '0');
const nul = <T>(x: T | undefined): T | null => (x === undefined ? null : x);

function fieldsOf(f: UslpTransferFrame): Record<string, unknown> {
  return {
    transfer_frame_version_number: f.transferFrameVersionNumber,
    spacecraft_id: f.spacecraftId,
    source_or_destination_id: f.sourceOrDestinationId,
    virtual_channel_id: f.virtualChannelId,
    map_id: f.mapId,
    end_of_frame_primary_header: f.endOfFramePrimaryHeader,
    frame_length_field: f.endOfFramePrimaryHeader ? null : f.frameLength - 1,
    bypass_sequence_control_flag: nul(f.bypassSequenceControlFlag),
    protocol_control_command_flag: nul(f.protocolControlCommandFlag),
    reserved_spare: nul(f.reservedSpare),
    ocf_flag: nul(f.ocfFlag),
    vc_frame_count_length: nul(f.vcFrameCountLength),
    // JSON numbers above 2^53 are rounded the same way Number() rounds the bigint.
    vc_frame_count:
      f.virtualChannelFrameCount === undefined ? null : Number(f.virtualChannelFrameCount),
    primary_header_length: f.primaryHeaderLength,
    insert_zone: f.insertZone === undefined ? null : toHex(f.insertZone),
    tfdf_offset: f.tfdfOffset,
    tfdz_construction_rules: f.tfdzConstructionRules,
    uslp_protocol_id: f.uslpProtocolId,
    first_header_or_last_valid_octet_pointer: nul(f.firstHeaderOrLastValidOctetPointer),
    tfdf_header_length: f.tfdfHeaderLength,
    tfdz: toHex(f.tfdz),
    tfdf_length: f.tfdfHeaderLength + f.tfdz.length,
    ocf: f.operationalControlField === undefined ? null : toHex(f.operationalControlField),
    fecf: hex4(f.frameErrorControlField),
    fecf_valid: nul(f.fecfValid),
  };
}

function opts(p: Params) {
  return {
    insertZoneLength: p.insert_zone_length,
    fecfPresent: p.fecf_present,
    ...(p.truncated_frame_length === null
      ? {}
      : { truncatedFrameLength: p.truncated_frame_length }),
    ...(p.fixed_frame_length === null ? {} : { fixedFrameLength: p.fixed_frame_length }),
  };
}

function reencode(f: UslpTransferFrame, fecf: boolean): Uint8Array {
  return encodeUslpFrame({
    spacecraftId: f.spacecraftId,
    sourceOrDestinationId: f.sourceOrDestinationId,
    virtualChannelId: f.virtualChannelId,
    mapId: f.mapId,
    truncated: f.endOfFramePrimaryHeader,
    ...(f.endOfFramePrimaryHeader
      ? {}
      : {
          bypassSequenceControlFlag: f.bypassSequenceControlFlag!,
          protocolControlCommandFlag: f.protocolControlCommandFlag!,
          reservedSpare: f.reservedSpare!,
          vcFrameCountLength: f.vcFrameCountLength!,
          virtualChannelFrameCount: f.virtualChannelFrameCount ?? 0n,
        }),
    ...(f.insertZone === undefined ? {} : { insertZone: f.insertZone }),
    tfdzConstructionRules: f.tfdzConstructionRules,
    uslpProtocolId: f.uslpProtocolId,
    ...(f.firstHeaderOrLastValidOctetPointer === undefined
      ? {}
      : { firstHeaderOrLastValidOctetPointer: f.firstHeaderOrLastValidOctetPointer }),
    tfdz: f.tfdz,
    ...(f.operationalControlField === undefined
      ? {}
      : { operationalControlField: f.operationalControlField }),
    fecfPresent: fecf,
  });
}

test('uslp.json: every single frame decodes to its fields, lists its packets and re-encodes', () => {
  assert.equal(singles.length, 12);
  for (const v of singles) {
    const f = decodeUslpFrame(fromHex(v.hex), opts(v.params));
    const { packets, ...expected } = v.fields;
    assert.deepEqual(pick(fieldsOf(f), expected), expected, v.name);
    assert.equal(toHex(reencode(f, v.params.fecf_present)), v.hex, v.name);
    if (packets !== null && packets !== undefined) {
      const got: string[] = [];
      const x = new PacketExtractor((p) => got.push(toHex(p)), { deliverIdle: true });
      const p = f.firstHeaderOrLastValidOctetPointer!;
      x.push(f.tfdz, 0, f.tfdz.length, p === USLP_POINTER_NONE ? -1 : p, true);
      assert.deepEqual(got, packets, v.name);
    }
  }
  // The 7-octet VC frame count is exact as a bigint.
  const big = singles.find((s) => s.name === 'uslp-fixed-128-rule001-lvop')!;
  assert.equal(
    decodeUslpFrame(fromHex(big.hex), opts(big.params)).virtualChannelFrameCount,
    0x00fedcba98765432n,
  );
});

test('uslp: truncated frames need their managed length; a bad FECF is BAD_CRC', () => {
  const t = singles.find((s) => s.name === 'uslp-truncated-24-fecf')!;
  assert.throws(
    () => decodeUslpFrame(fromHex(t.hex), { fecfPresent: true }),
    (e) => isCcsdsError(e, 'INVALID_FIELD'),
  );
  const b = fromHex(t.hex);
  b[10] = b[10]! ^ 0x40;
  assert.throws(
    () => decodeUslpFrame(b, { fecfPresent: true, truncatedFrameLength: 24 }),
    (e) => isCcsdsError(e, 'BAD_CRC'),
  );
});

test('uslp: the receiver delivers rule-111 packets, octet streams, MAPA_SDUs and COP-1 directives', () => {
  const packets: ReceivedPacket[] = [];
  const sdus: UslpReceivedSdu[] = [];
  for (const name of [
    'uslp-var-rule111-packet',
    'uslp-var-rule011-octet-stream',
    'uslp-var-cop1-unlock',
    'uslp-var-iz2-rule111',
  ]) {
    const v = singles.find((s) => s.name === name)!;
    const rx = new UslpReceiver({
      frameType: 'variable',
      insertZoneLength: v.params.insert_zone_length,
      fecfPresent: v.params.fecf_present,
      onPacket: (p) => packets.push(p),
      onSdu: (s) => sdus.push(s),
    });
    rx.push(fromHex(v.hex));
    rx.end();
    assert.equal(rx.counters.accepted, 1, name);
  }
  const tfdz = (n: string) => singles.find((s) => s.name === n)!.fields['tfdz'] as string;
  assert.deepEqual(
    packets.map((p) => [p.virtualChannelId, p.mapId]),
    [
      [10, 4],
      [13, 9],
      [13, 9],
    ],
  );
  assert.equal(toHex(packets[0]!.data), tfdz('uslp-var-rule111-packet'));
  assert.equal(
    packets
      .slice(1)
      .map((p) => toHex(p.data))
      .join(''),
    tfdz('uslp-var-iz2-rule111'),
  );
  assert.deepEqual(
    sdus.map((s) => [s.uslpProtocolId, toHex(s.data)]),
    [
      [4, tfdz('uslp-var-rule011-octet-stream')],
      [1, '00'],
    ],
  );
});

test('uslp.json: sequences give the expected packets and SDUs', () => {
  assert.equal(sequences.length, 2);
  for (const v of sequences) {
    const bytes = fromHex(v.hex);
    for (const fr of v.fields.frames!) {
      const f = decodeUslpFrame(bytes.subarray(fr.offset, fr.offset + fr.length), opts(v.params));
      const { offset: _o, length: _l, index: _i, ...expected } = fr;
      assert.deepEqual(pick(fieldsOf(f), expected), expected, `${v.name} frame ${fr.offset}`);
      assert.equal(
        toHex(reencode(f, v.params.fecf_present)),
        toHex(bytes.subarray(fr.offset, fr.offset + fr.length)),
      );
    }
    const packets: string[] = [];
    const sdus: string[] = [];
    const rx = new UslpReceiver({
      frameType: v.params.frame_type,
      ...(v.params.fixed_frame_length === null ? {} : { frameLength: v.params.fixed_frame_length }),
      fecfPresent: v.params.fecf_present,
      deliverIdle: true,
      onPacket: (p) => packets.push(toHex(p.data)),
      onSdu: (s) => sdus.push(toHex(s.data)),
    });
    for (let i = 0; i < bytes.length; i += 101) rx.push(bytes.subarray(i, i + 101));
    rx.end();
    assert.deepEqual(packets, v.fields.expected_packets ?? [], v.name);
    assert.deepEqual(sdus, v.fields.expected_sdus ?? [], v.name);
    assert.equal(rx.counters.accepted, v.fields.frames!.length);
  }
});
