import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex, isCcsdsError } from 'ccsds/core';
import {
  decodeClcw,
  decodeTmFrame,
  encodeTmFrame,
  type LinkEvent,
  PacketExtractor,
  type ReceivedPacket,
  TM_FHP_NO_PACKET_START,
  TM_FHP_ONLY_IDLE_DATA,
  TmReceiver,
  type TmTransferFrame,
} from 'ccsds/link';
import { loadVectors } from '../support/vectors.js';
import { clcwFields, pick } from './helpers.js';

interface Vector {
  name: string;
  hex: string;
  params: { frame_length: number; fecf_present: boolean };
  fields: Record<string, unknown> & {
    frames?: (Record<string, unknown> & { offset: number; length: number })[];
    expected_packets?: { hex: string; idle: boolean; vc?: number }[];
    dariol83_receiver_output?: { hex: string; quality: boolean }[];
    dariol83_gap_events?: {
      vc: number;
      expected_vc_count: number;
      received_vc_count: number;
      missing_frames: number;
    }[];
    packets?: string[];
  };
}

const file = loadVectors<{ vectors: Vector[] }>('frames/tm.json');
const singles = file.vectors.filter((v) => v.fields.frames === undefined);
const sequences = file.vectors.filter((v) => v.fields.frames !== undefined);

function fieldsOf(f: TmTransferFrame): Record<string, unknown> {
  return {
    transfer_frame_version_number: f.transferFrameVersionNumber,
    spacecraft_id: f.spacecraftId,
    virtual_channel_id: f.virtualChannelId,
    ocf_flag: f.ocfFlag,
    master_channel_frame_count: f.masterChannelFrameCount,
    virtual_channel_frame_count: f.virtualChannelFrameCount,
    secondary_header_flag: f.secondaryHeaderFlag,
    synchronisation_flag: f.synchronisationFlag,
    packet_order_flag: f.packetOrderFlag,
    segment_length_id: f.segmentLengthId,
    first_header_pointer: f.firstHeaderPointer,
    secondary_header:
      f.secondaryHeader === undefined
        ? null
        : {
            version: f.secondaryHeader.secondaryHeaderVersionNumber,
            length_field: f.secondaryHeader.secondaryHeaderLength,
            data: toHex(f.secondaryHeader.data),
          },
    data_field_offset: f.dataFieldOffset,
    data_field_length: f.dataField.length,
    ocf: f.operationalControlField === undefined ? null : toHex(f.operationalControlField),
    clcw:
      f.operationalControlField === undefined
        ? null
        : clcwFields(decodeClcw(f.operationalControlField)),
    fecf:
      f.frameErrorControlField === undefined
        ? null
        : f.frameErrorControlField.toString(16).padStart(4, '0'),
    fecf_valid: f.fecfValid ?? null,
    idle: f.firstHeaderPointer === TM_FHP_ONLY_IDLE_DATA,
    no_packet_start: f.firstHeaderPointer === TM_FHP_NO_PACKET_START,
  };
}

function reencode(f: TmTransferFrame, fecf: boolean): Uint8Array {
  return encodeTmFrame({
    spacecraftId: f.spacecraftId,
    virtualChannelId: f.virtualChannelId,
    masterChannelFrameCount: f.masterChannelFrameCount,
    virtualChannelFrameCount: f.virtualChannelFrameCount,
    ...(f.secondaryHeader === undefined
      ? {}
      : { secondaryHeader: { data: f.secondaryHeader.data, secondaryHeaderVersionNumber: 0 } }),
    synchronisationFlag: f.synchronisationFlag,
    packetOrderFlag: f.packetOrderFlag,
    segmentLengthId: f.segmentLengthId,
    firstHeaderPointer: f.firstHeaderPointer,
    dataField: f.dataField,
    ...(f.operationalControlField === undefined
      ? {}
      : { operationalControlField: decodeClcw(f.operationalControlField) }),
    fecfPresent: fecf,
  });
}

test('tm.json: every single frame decodes to its fields, lists its packets and re-encodes', () => {
  assert.equal(singles.length, 14);
  for (const v of singles) {
    const bytes = fromHex(v.hex);
    const f = decodeTmFrame(bytes, {
      frameLength: v.params.frame_length,
      fecfPresent: v.params.fecf_present,
    });
    const { packets, ...expected } = v.fields;
    assert.deepEqual(pick(fieldsOf(f), expected), expected, v.name);
    assert.equal(toHex(reencode(f, v.params.fecf_present)), v.hex, v.name);
    // The complete packets of the frame, idle ones included.
    const got: string[] = [];
    const x = new PacketExtractor((p) => got.push(toHex(p)), { deliverIdle: true });
    const raw = f.firstHeaderPointer;
    const fhp = raw === TM_FHP_NO_PACKET_START ? -1 : raw === TM_FHP_ONLY_IDLE_DATA ? -2 : raw;
    if (!f.synchronisationFlag) x.push(f.dataField, 0, f.dataField.length, fhp, true);
    assert.deepEqual(got, packets, v.name);
  }
});

test('tm.json: a corrupted FECF is BAD_CRC, or reported with verifyFecf false', () => {
  for (const v of singles.filter((s) => s.params.fecf_present)) {
    const bytes = fromHex(v.hex);
    bytes[100] = bytes[100]! ^ 1;
    assert.throws(
      () => decodeTmFrame(bytes, { fecfPresent: true }),
      (e) => isCcsdsError(e, 'BAD_CRC'),
    );
    assert.equal(decodeTmFrame(bytes, { fecfPresent: true, verifyFecf: false }).fecfValid, false);
  }
});

function receive(v: Vector, gapPolicy: 'flag' | 'drop', deliverIdle = false) {
  const packets: ReceivedPacket[] = [];
  const events: LinkEvent[] = [];
  const rx = new TmReceiver({
    frameLength: v.params.frame_length,
    fecfPresent: v.params.fecf_present,
    gapPolicy,
    deliverIdle,
    onPacket: (p) => packets.push(p),
    onEvent: (e) => events.push(e),
  });
  const bytes = fromHex(v.hex);
  // Odd chunk sizes exercise frames split across chunks.
  for (let i = 0; i < bytes.length; i += 777) rx.push(bytes.subarray(i, i + 777));
  rx.end();
  return { packets, events, rx };
}

test('tm.json: sequences give the expected packets, per VC, in order', () => {
  assert.equal(sequences.length, 4);
  for (const v of sequences) {
    const frames = v.fields.frames!;
    const bytes = fromHex(v.hex);
    for (const fr of frames) {
      const f = decodeTmFrame(bytes.subarray(fr.offset, fr.offset + fr.length), {
        fecfPresent: v.params.fecf_present,
      });
      const { offset: _o, length: _l, index: _i, ...expected } = fr;
      assert.deepEqual(pick(fieldsOf(f), expected), expected, `${v.name} frame ${fr.offset}`);
    }
    const expected = v.fields.expected_packets!;
    const { packets } = receive(v, 'drop', true);
    assert.deepEqual(
      packets.map((p) => toHex(p.data)),
      expected.map((p) => p.hex),
      v.name,
    );
    assert.ok(packets.every((p) => p.quality === 'good'));
    if (expected.some((p) => p.vc !== undefined)) {
      assert.deepEqual(
        packets.map((p) => p.virtualChannelId),
        expected.map((p) => p.vc),
      );
    }
    // Without idle delivery, idle packets are counted and left out.
    const plain = receive(v, 'drop');
    assert.deepEqual(
      plain.packets.map((p) => toHex(p.data)),
      expected.filter((p) => !p.idle).map((p) => p.hex),
    );
    const vcs = plain.rx.virtualChannelCounters();
    assert.equal(
      vcs.reduce((a, c) => a + c.idlePackets, 0),
      expected.filter((p) => p.idle).length,
    );
    assert.equal(plain.rx.counters.badCrc + plain.rx.counters.badHeader, 0);
  }
});

test('tm.json: the lost-frame sequence reports the gap and never delivers the interrupted packet as good', () => {
  const v = sequences.find((s) => s.name === 'tm-seq-1115-lost-frame')!;
  const expected = v.fields.expected_packets!.filter((p) => !p.idle).map((p) => p.hex);
  const drop = receive(v, 'drop');
  assert.deepEqual(
    drop.packets.map((p) => toHex(p.data)),
    expected,
  );
  const gaps = drop.events.filter((e) => e.type === 'vc-gap');
  const dg = v.fields.dariol83_gap_events![0]!;
  assert.equal(gaps.length, 1);
  assert.deepEqual(
    gaps.map(
      (g) => g.type === 'vc-gap' && [g.virtualChannelId, g.expected, g.received, g.missingFrames],
    ),
    [[dg.vc, dg.expected_vc_count, dg.received_vc_count, dg.missing_frames]],
  );
  const c = drop.rx.virtualChannelCounters()[0]!;
  assert.equal(c.gaps, 1);
  assert.equal(c.lostFrames, 1);
  assert.equal(c.packetsDropped, 1);
  // Flag policy: the interrupted packet comes out flagged, holding only octets really received
  // (a prefix of dariol83's zero-filled rendering), and never as good.
  const flag = receive(v, 'flag');
  const flagged = flag.packets.filter((p) => p.quality === 'incomplete');
  assert.equal(flagged.length, 1);
  const zeroFilled = v.fields.dariol83_receiver_output!.find((p) => !p.quality)!.hex;
  assert.ok(zeroFilled.startsWith(toHex(flagged[0]!.data)));
  assert.ok(flagged[0]!.data.length < zeroFilled.length / 2);
  assert.deepEqual(
    flag.packets.filter((p) => p.quality === 'good').map((p) => toHex(p.data)),
    expected,
  );
  assert.ok(!flag.packets.some((p) => p.quality === 'good' && toHex(p.data) === zeroFilled));
});
