import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from 'ccsds/core';
import {
  type TcTransferFrame,
  MapPacketReassembler,
  decodeClcw,
  decodeTcFrame,
  encodeClcw,
  encodeDecodedTcFrame,
  encodeTcFrame,
  segmentMapPackets,
  splitTcFrames,
  tcDataFieldCapacity,
} from 'ccsds/link';
import { loadVectors } from '../support/vectors.js';

interface FrameFields {
  transfer_frame_version_number: number;
  bypass_flag: boolean;
  control_command_flag: boolean;
  reserved_spare: number;
  spacecraft_id: number;
  virtual_channel_id: number;
  frame_length_field: number;
  frame_length: number;
  frame_sequence_number: number;
  frame_type: 'AD' | 'BD' | 'BC';
  segment_header: { sequence_flags: number; map_id: number } | null;
  data_field_offset: number;
  data_field_length: number;
  data: string;
  control_command: { type: 'UNLOCK' | 'SET_VR'; set_vr_value: number | null } | null;
  fecf: string | null;
  fecf_valid: boolean | null;
  offset?: number;
  length?: number;
}
interface Vector {
  name: string;
  hex: string;
  params: { fecf_present: boolean; segment_header_present: boolean };
  fields: FrameFields & { frames?: FrameFields[]; expected_packets?: { hex: string }[] };
}
interface ClcwVector {
  name: string;
  hex: string;
  fields: Record<string, number | boolean>;
}
const file = loadVectors<{ vectors: Vector[]; clcw: ClcwVector[] }>('frames/tc.json');

function check(
  bytes: Uint8Array,
  f: FrameFields,
  p: Vector['params'],
  name: string,
): TcTransferFrame {
  const fr = decodeTcFrame(bytes, {
    fecfPresent: p.fecf_present,
    segmentHeaderPresent: p.segment_header_present,
  });
  assert.deepEqual(
    {
      transfer_frame_version_number: fr.transferFrameVersionNumber,
      bypass_flag: fr.bypassFlag,
      control_command_flag: fr.controlCommandFlag,
      reserved_spare: fr.reservedSpare,
      spacecraft_id: fr.spacecraftId,
      virtual_channel_id: fr.virtualChannelId,
      frame_length_field: fr.frameLength,
      frame_length: fr.frameLength + 1,
      frame_sequence_number: fr.frameSequenceNumber,
      frame_type: fr.frameType,
      segment_header:
        fr.segmentHeader === undefined
          ? null
          : { sequence_flags: fr.segmentHeader.sequenceFlags, map_id: fr.segmentHeader.mapId },
      data_field_offset: fr.dataField.byteOffset - bytes.byteOffset,
      data_field_length: fr.dataField.length,
      data: toHex(fr.dataField),
      control_command:
        fr.controlCommand === undefined
          ? null
          : {
              type: fr.controlCommand.type,
              set_vr_value: fr.controlCommand.type === 'SET_VR' ? fr.controlCommand.vR : null,
            },
      fecf: fr.fecf === undefined ? null : fr.fecf.toString(16).padStart(4, '0'),
      fecf_valid: fr.fecf === undefined ? null : true,
    },
    {
      transfer_frame_version_number: f.transfer_frame_version_number,
      bypass_flag: f.bypass_flag,
      control_command_flag: f.control_command_flag,
      reserved_spare: f.reserved_spare,
      spacecraft_id: f.spacecraft_id,
      virtual_channel_id: f.virtual_channel_id,
      frame_length_field: f.frame_length_field,
      frame_length: f.frame_length,
      frame_sequence_number: f.frame_sequence_number,
      frame_type: f.frame_type,
      segment_header:
        f.segment_header === null
          ? null
          : {
              sequence_flags: Number(f.segment_header.sequence_flags),
              map_id: Number(f.segment_header.map_id),
            },
      data_field_offset: f.data_field_offset,
      data_field_length: f.data_field_length,
      data: f.data,
      control_command: f.control_command,
      fecf: f.fecf,
      fecf_valid: f.fecf_valid,
    },
    name,
  );
  assert.equal(toHex(encodeDecodedTcFrame(fr)), toHex(bytes), `${name}: re-encode`);
  // The same frame built from its fields rather than from the decoded object.
  const built = encodeTcFrame({
    spacecraftId: f.spacecraft_id,
    virtualChannelId: f.virtual_channel_id,
    frameSequenceNumber: f.frame_sequence_number,
    fecfPresent: f.fecf !== null,
    ...(f.control_command !== null
      ? {
          controlCommand:
            f.control_command.type === 'UNLOCK'
              ? { type: 'UNLOCK' as const }
              : { type: 'SET_VR' as const, vR: f.control_command.set_vr_value ?? -1 },
        }
      : {
          bypassFlag: f.bypass_flag,
          dataField: fromHex(f.data),
          ...(f.segment_header !== null
            ? {
                segmentHeader: {
                  sequenceFlags: Number(f.segment_header.sequence_flags) as 0 | 1 | 2 | 3,
                  mapId: Number(f.segment_header.map_id),
                },
              }
            : {}),
        }),
  });
  assert.equal(toHex(built), toHex(bytes), `${name}: encode from fields`);
  return fr;
}

test('every TC frame vector decodes to its fields and re-encodes to the same octets', () => {
  let frames = 0;
  for (const v of file.vectors) {
    const bytes = fromHex(v.hex);
    if (v.fields.frames === undefined) {
      check(bytes, v.fields, v.params, v.name);
      frames++;
      continue;
    }
    const slices = splitTcFrames(bytes);
    assert.equal(slices.length, v.fields.frames.length, v.name);
    v.fields.frames.forEach((f, i) => {
      assert.equal(slices[i]!.offset, f.offset, `${v.name} frame ${i} offset`);
      assert.equal(slices[i]!.bytes.length, f.length, `${v.name} frame ${i} length`);
      check(slices[i]!.bytes, f, v.params, `${v.name} frame ${i}`);
      frames++;
    });
  }
  assert.equal(frames, 12 + 6);
});

test('sequences reassemble to the expected packets, and segmenting the packets gives the same frames', () => {
  const sequences = file.vectors.filter((v) => v.fields.frames !== undefined);
  assert.equal(sequences.length, 2);
  for (const v of sequences) {
    const r = new MapPacketReassembler();
    const got: string[] = [];
    const frames = splitTcFrames(fromHex(v.hex)).map((s) =>
      decodeTcFrame(s.bytes, {
        fecfPresent: v.params.fecf_present,
        segmentHeaderPresent: v.params.segment_header_present,
      }),
    );
    for (const fr of frames) {
      for (const out of r.push(fr.segmentHeader, fr.dataField)) {
        assert.equal(out.kind, 'packet', `${v.name}: ${JSON.stringify(out)}`);
        if (out.kind === 'packet') got.push(toHex(out.packet));
      }
    }
    const expected = v.fields.expected_packets!.map((p) => p.hex);
    assert.deepEqual(got, expected, v.name);
    assert.equal(r.openPackets, 0);

    // Sending side: the segmented packet gives exactly the vector's data units.
    const first = frames[0]!;
    const mapId = first.segmentHeader!.mapId;
    const cap = tcDataFieldCapacity({ fecfPresent: v.params.fecf_present });
    const segmented = expected[0]!;
    const units = segmentMapPackets([fromHex(segmented)], { mapId, maxDataLength: cap });
    const segFrames = frames.filter((f) => f.segmentHeader!.sequenceFlags !== 3);
    assert.deepEqual(
      units.map((u) => [u.segmentHeader.sequenceFlags, u.segmentHeader.mapId, toHex(u.data)]),
      segFrames.map((f) => [
        f.segmentHeader!.sequenceFlags,
        f.segmentHeader!.mapId,
        toHex(f.dataField),
      ]),
      `${v.name}: segmentation`,
    );
    // Re-encode the whole sequence from the data units with the vector's header fields.
    const rebuilt = frames.map((f, i) =>
      toHex(
        encodeTcFrame({
          spacecraftId: f.spacecraftId,
          virtualChannelId: f.virtualChannelId,
          bypassFlag: f.bypassFlag,
          frameSequenceNumber: f.frameSequenceNumber,
          fecfPresent: v.params.fecf_present,
          segmentHeader: i < units.length ? units[i]!.segmentHeader : f.segmentHeader!,
          dataField: i < units.length ? units[i]!.data : f.dataField,
        }),
      ),
    );
    assert.equal(rebuilt.join(''), v.hex, `${v.name}: rebuilt sequence`);
  }
});

test('the blocked frame splits into its three packets', () => {
  const v = file.vectors.find((x) => x.name === 'tc-ad-seg-blocked-3pkts')!;
  const fr = decodeTcFrame(fromHex(v.hex), { segmentHeaderPresent: true });
  const out = new MapPacketReassembler().push(fr.segmentHeader, fr.dataField);
  assert.deepEqual(
    out.map((o) => (o.kind === 'packet' ? o.packet.length : -1)),
    [16, 26, 7],
  );
  const again = segmentMapPackets(
    out.map((o) => (o.kind === 'packet' ? o.packet : new Uint8Array(0))),
    { mapId: 1, maxDataLength: 1016 },
  );
  assert.equal(again.length, 1);
  assert.equal(toHex(again[0]!.data), v.fields.data);
});

test('every CLCW vector decodes to its fields and re-encodes (via link/clcw)', () => {
  for (const v of file.clcw) {
    const c = decodeClcw(fromHex(v.hex));
    const f = v.fields;
    assert.deepEqual(
      [
        c.controlWordType,
        c.clcwVersionNumber,
        c.statusField,
        c.copInEffect,
        c.virtualChannelId,
        c.reservedSpare,
        c.noRfAvailable,
        c.noBitLock,
        c.lockout,
        c.wait,
        c.retransmit,
        c.farmBCounter,
        c.spare,
        c.reportValue,
      ],
      [
        f['control_word_type'],
        f['clcw_version'],
        f['status_field'],
        f['cop_in_effect'],
        f['virtual_channel_id'],
        f['reserved_spare'],
        f['no_rf_available'],
        f['no_bit_lock'],
        f['lockout'],
        f['wait'],
        f['retransmit'],
        f['farm_b_counter'],
        f['spare_bit'],
        f['report_value'],
      ],
      v.name,
    );
    assert.equal(toHex(encodeClcw(c)), v.hex, v.name);
  }
});
