import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex, isCcsdsError } from 'ccsds/core';
import {
  AOS_FHP_NO_PACKET_START,
  AOS_FHP_ONLY_IDLE_DATA,
  AosReceiver,
  type AosTransferFrame,
  type AosUserDataType,
  computeAosFhec,
  correctAosHeader,
  decodeAosFrame,
  decodeClcw,
  encodeAosFrame,
  PacketExtractor,
  type ReceivedPacket,
} from 'ccsds/link';
import { loadVectors } from '../support/vectors.js';
import { clcwFields, pick } from './helpers.js';

interface Params {
  frame_length: number;
  fhec_present: boolean;
  insert_zone_length: number;
  user_data_type: AosUserDataType;
  ocf_present: boolean;
  fecf_present: boolean;
}
interface Vector {
  name: string;
  hex: string;
  params: Params;
  fields: Record<string, unknown> & {
    frames?: (Record<string, unknown> & { offset: number; length: number })[];
    expected_packets?: { hex: string; idle: boolean }[];
    packets?: string[];
  };
}
interface Correction {
  name: string;
  hex: string;
  fields: {
    original_header: string;
    result: {
      correctable: boolean;
      corrected_header: string | null;
      symbols_corrected: number | null;
    };
  };
}

const file = loadVectors<{ vectors: Vector[]; fhec_corrections: Correction[] }>('frames/aos.json');
const singles = file.vectors.filter((v) => v.fields.frames === undefined);
const sequences = file.vectors.filter((v) => v.fields.frames !== undefined);

const hex4 = (n: number | undefined): string | null =>
  n === undefined ? null : n.toString(16).padStart(4, '0');

function fieldsOf(f: AosTransferFrame): Record<string, unknown> {
  return {
    transfer_frame_version_number: f.transferFrameVersionNumber,
    spacecraft_id: f.spacecraftId,
    virtual_channel_id: f.virtualChannelId,
    virtual_channel_frame_count: f.virtualChannelFrameCount,
    replay_flag: f.replayFlag,
    vc_frame_count_usage_flag: f.vcFrameCountUsageFlag,
    reserved_spare: f.reservedSpare,
    vc_frame_count_cycle: f.vcFrameCountCycle,
    fhec: hex4(f.frameHeaderErrorControl),
    fhec_valid: f.fhecCorrectedSymbols === undefined ? null : f.fhecCorrectedSymbols === 0,
    insert_zone: f.insertZone === undefined ? null : toHex(f.insertZone),
    data_field_offset: f.dataFieldOffset,
    data_field_length: f.dataField.length,
    user_data_type: f.userDataType,
    mpdu:
      f.mpdu === undefined
        ? null
        : { spare: f.mpdu.spare, first_header_pointer: f.mpdu.firstHeaderPointer },
    bpdu:
      f.bpdu === undefined
        ? null
        : {
            spare: f.bpdu.spare,
            bitstream_data_pointer: f.bpdu.bitstreamDataPointer,
            valid_bits: f.bpdu.validBits,
          },
    ocf: f.operationalControlField === undefined ? null : toHex(f.operationalControlField),
    clcw:
      f.operationalControlField === undefined
        ? null
        : clcwFields(decodeClcw(f.operationalControlField)),
    fecf: hex4(f.frameErrorControlField),
    fecf_valid: f.fecfValid ?? null,
    idle: f.userDataType === 'IDLE' || f.mpdu?.firstHeaderPointer === AOS_FHP_ONLY_IDLE_DATA,
  };
}

function opts(p: Params) {
  return {
    frameLength: p.frame_length,
    fhecPresent: p.fhec_present,
    insertZoneLength: p.insert_zone_length,
    ocfPresent: p.ocf_present,
    fecfPresent: p.fecf_present,
  };
}

test('FHEC check value: header 1234, signalling 56 -> 94dc', () => {
  assert.equal(computeAosFhec(fromHex('123400000056')), 0x94dc);
});

test('aos.json: every single frame decodes to its fields, lists its packets and re-encodes', () => {
  assert.equal(singles.length, 9);
  for (const v of singles) {
    const f = decodeAosFrame(fromHex(v.hex), {
      ...opts(v.params),
      userDataType: v.params.user_data_type,
    });
    const { packets, dariol83_fhec: _d, ...expected } = v.fields;
    assert.deepEqual(pick(fieldsOf(f), expected), expected, v.name);
    const again = encodeAosFrame({
      spacecraftId: f.spacecraftId,
      virtualChannelId: f.virtualChannelId,
      virtualChannelFrameCount: f.virtualChannelFrameCount,
      replayFlag: f.replayFlag,
      vcFrameCountUsageFlag: f.vcFrameCountUsageFlag,
      vcFrameCountCycle: f.vcFrameCountCycle,
      reservedSpare: f.reservedSpare,
      fhecPresent: v.params.fhec_present,
      ...(f.insertZone === undefined ? {} : { insertZone: f.insertZone }),
      dataField: f.dataField,
      ...(f.operationalControlField === undefined
        ? {}
        : { operationalControlField: f.operationalControlField }),
      fecfPresent: v.params.fecf_present,
    });
    assert.equal(toHex(again), v.hex, v.name);
    if (f.mpdu !== undefined) {
      const got: string[] = [];
      const x = new PacketExtractor((p) => got.push(toHex(p)), { deliverIdle: true });
      const raw = f.mpdu.firstHeaderPointer;
      const fhp = raw === AOS_FHP_NO_PACKET_START ? -1 : raw === AOS_FHP_ONLY_IDLE_DATA ? -2 : raw;
      x.push(f.mpdu.packetZone, 0, f.mpdu.packetZone.length, fhp, true);
      assert.deepEqual(got, packets, v.name);
    }
  }
});

test('aos.json: FHEC corrections restore the header or report it uncorrectable', () => {
  assert.equal(file.fhec_corrections.length, 5);
  for (const c of file.fhec_corrections) {
    const r = correctAosHeader(fromHex(c.hex));
    if (!c.fields.result.correctable) {
      assert.equal(r, undefined, c.name);
      continue;
    }
    assert.ok(r !== undefined, c.name);
    assert.equal(toHex(r.header), c.fields.result.corrected_header, c.name);
    assert.equal(r.symbolsCorrected, c.fields.result.symbols_corrected, c.name);
  }
});

test('aos: the decoder corrects a damaged header through the FHEC and rejects an uncorrectable one', () => {
  const v = singles.find((s) => s.params.fhec_present && !s.params.fecf_present)!;
  const bytes = fromHex(v.hex);
  const good = decodeAosFrame(bytes, opts(v.params));
  bytes[1] = bytes[1]! ^ 0x0f; // one symbol of the VCID
  const fixed = decodeAosFrame(bytes, opts(v.params));
  assert.equal(fixed.virtualChannelId, good.virtualChannelId);
  assert.equal(fixed.fhecCorrectedSymbols, 1);
  bytes[0] = bytes[0]! ^ 0x11;
  bytes[5] = bytes[5]! ^ 0x10;
  assert.throws(
    () => decodeAosFrame(bytes, opts(v.params)),
    (e) => isCcsdsError(e, 'BAD_CRC'),
  );
});

test('aos.json: sequences give the expected packets (space and encapsulation)', () => {
  assert.equal(sequences.length, 2);
  for (const v of sequences) {
    const bytes = fromHex(v.hex);
    for (const fr of v.fields.frames!) {
      const f = decodeAosFrame(bytes.subarray(fr.offset, fr.offset + fr.length), {
        ...opts(v.params),
        userDataType: v.params.user_data_type,
      });
      const { offset: _o, length: _l, index: _i, dariol83_fhec: _d, ...expected } = fr;
      assert.deepEqual(pick(fieldsOf(f), expected), expected, `${v.name} frame ${fr.offset}`);
    }
    for (const deliverIdle of [true, false]) {
      const got: ReceivedPacket[] = [];
      const rx = new AosReceiver({ ...opts(v.params), deliverIdle, onPacket: (p) => got.push(p) });
      rx.push(bytes);
      rx.end();
      const exp = v.fields.expected_packets!.filter((p) => deliverIdle || !p.idle);
      assert.deepEqual(
        got.map((p) => toHex(p.data)),
        exp.map((p) => p.hex),
        v.name,
      );
      assert.ok(got.every((p) => p.quality === 'good'));
      assert.equal(rx.counters.accepted, v.fields.frames!.length);
    }
  }
});

test('aos: the receiver reports B_PDU, VCA and idle frames without extracting packets', () => {
  const seen: string[] = [];
  const rx = new AosReceiver({
    frameLength: 892,
    fhecPresent: false,
    fecfPresent: true,
    ocfPresent: true,
    virtualChannels: { 20: { userDataType: 'B_PDU' }, 30: { userDataType: 'VCA' } },
    onAccessData: (d) => seen.push(`${d.virtualChannelId}:${d.userDataType}:${d.validBits}`),
  });
  for (const name of ['aos-892-bpdu-partial', 'aos-892-vca-replay'])
    rx.pushFrame(fromHex(singles.find((s) => s.name === name)!.hex));
  assert.deepEqual(seen, ['20:B_PDU:5000', '30:VCA:7040']);
});
