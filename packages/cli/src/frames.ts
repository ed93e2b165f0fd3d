/**
 * `ccsds frames decode|encode`: TM (CCSDS 132.0-B-3), AOS (732.0-B-4) and USLP (732.1-B-2)
 * transfer frame tools. `decode` prints each frame's header fields and the packets extracted per
 * virtual channel (optionally writing them per APID) and the B_PDU bitstream data and VCA_SDUs
 * per virtual channel (optionally writing them per VC); `encode` builds frames from a stream of
 * Space / Encapsulation Packets, or from raw data for the VCA and Bitstream services.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { FramedStreamReader, isCcsdsError, toHex } from 'ccsds/core';
import {
  type AosAccessData,
  AosReceiver,
  AosSender,
  copyBits,
  type TmAccessData,
  MapPacketReassembler,
  decodeTcFrame,
  peekTcFrameLength,
  type GapPolicy,
  type LinkEvent,
  type ReceivedPacket,
  TmReceiver,
  TmSender,
  UslpReceiver,
  UslpSender,
  type VirtualChannelCounters,
  decodeAosFrame,
  decodeTmFrame,
  decodeUslpFrame,
  mixedPacketFramer,
  uslpFrameLengthAt,
} from 'ccsds/link';
import { BufferedFileWriter, openInput } from './io.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';

type FrameType = 'tm' | 'aos' | 'uslp';
type DecodeFrameType = FrameType | 'tc';

interface DecodeFlags {
  type: DecodeFrameType;
  segmentHeader?: boolean;
  frameLength?: string;
  fecf?: boolean;
  fecfLength?: string;
  ocf?: boolean;
  fhec?: boolean;
  insertZone?: string;
  truncatedLength?: string;
  gapPolicy?: GapPolicy;
  json?: boolean;
  packetsOut?: string;
  vcType?: string[];
  accessOut?: string;
}

type AosDataType = 'M_PDU' | 'B_PDU' | 'VCA';

interface EncodeFlags {
  type: FrameType;
  frameLength: string;
  scid: string;
  vcid: string;
  fecf?: boolean;
  fecfLength?: string;
  ocf?: boolean;
  fhec?: boolean;
  insertZone?: string;
  variable?: boolean;
  service?: 'packet' | 'vca' | 'bitstream';
  output: string;
  json?: boolean;
}

const typeOption = (): Option =>
  new Option('--type <type>', 'frame type').choices(['tm', 'aos', 'uslp']).makeOptionMandatory();

/**
 * FECF octets from `--fecf` (2) and `--fecf-length 2|4` (which implies `--fecf`); 0 for none.
 * Only USLP frames may carry the 4-octet FECF (CCSDS CRC-32).
 */
function fecfOctets(o: { fecf?: boolean; fecfLength?: string }, type: string): 0 | 2 | 4 {
  if (o.fecfLength === undefined) return o.fecf === true ? 2 : 0;
  const n = parseInteger(o.fecfLength, 2, 4, '--fecf-length');
  if (n !== 2 && n !== 4) throw new CliFailure('--fecf-length must be 2 or 4', 2);
  if (n === 4 && type !== 'uslp')
    throw new CliFailure('a 4-octet FECF exists only for --type uslp', 2);
  return n;
}

/** USLP FECF options for a FECF of `n` octets. */
function uslpFecf(n: 0 | 2 | 4): { fecfPresent: boolean; fecfLength?: 2 | 4 } {
  return n === 0 ? { fecfPresent: false } : { fecfPresent: true, fecfLength: n };
}

/** `--vc-type 20=B_PDU --vc-type 30=VCA`: what each AOS virtual channel carries (default M_PDU). */
function aosVcTypes(list: string[] | undefined, type: string): Map<number, AosDataType> {
  const m = new Map<number, AosDataType>();
  if (list === undefined) return m;
  if (type !== 'aos') throw new CliFailure('--vc-type is for --type aos', 2);
  for (const item of list) {
    const [vc, t] = item.split('=');
    if (t !== 'M_PDU' && t !== 'B_PDU' && t !== 'VCA')
      throw new CliFailure(`--vc-type ${item}: expected <vcid>=M_PDU|B_PDU|VCA`, 2);
    m.set(parseInteger(vc ?? '', 0, 62, '--vc-type virtual channel'), t);
  }
  return m;
}

/**
 * Appends bit strings to a file: B_PDU valid bits end to end (a last partial octet is padded with
 * zeros at close), VCA_SDUs as they are.
 */
class BitFileWriter {
  private readonly file: BufferedFileWriter;
  private partial = new Uint8Array(1);
  private partialBits = 0;

  constructor(path: string) {
    this.file = new BufferedFileWriter(path);
  }

  write(data: Uint8Array, bits: number): Promise<void> | undefined {
    if (this.partialBits === 0 && (bits & 7) === 0)
      return this.file.write(data.subarray(0, bits >> 3));
    const total = this.partialBits + bits;
    const buf = new Uint8Array((total + 7) >> 3);
    buf[0] = this.partial[0]!;
    copyBits(data, 0, buf, this.partialBits, bits);
    const whole = total >> 3;
    this.partialBits = total & 7;
    this.partial = buf.slice(whole, whole + 1);
    return this.file.write(buf.subarray(0, whole));
  }

  async close(): Promise<void> {
    if (this.partialBits > 0) await this.file.write(this.partial);
    await this.file.close();
  }
}

/** A frame's header fields for printing: the decoded object without its byte views. */
function headerFields(
  type: FrameType,
  frame: Uint8Array,
  o: DecodeFlags,
  frameLength: number | undefined,
  aosTypes: Map<number, AosDataType>,
): Record<string, unknown> {
  const ocfHex = (b: Uint8Array | undefined): string | null => (b === undefined ? null : toHex(b));
  if (type === 'tm') {
    const f = decodeTmFrame(frame, { fecfPresent: fecfOctets(o, type) > 0, verifyFecf: false });
    return {
      spacecraftId: f.spacecraftId,
      virtualChannelId: f.virtualChannelId,
      masterChannelFrameCount: f.masterChannelFrameCount,
      virtualChannelFrameCount: f.virtualChannelFrameCount,
      ocfFlag: f.ocfFlag,
      secondaryHeaderFlag: f.secondaryHeaderFlag,
      synchronisationFlag: f.synchronisationFlag,
      packetOrderFlag: f.packetOrderFlag,
      segmentLengthId: f.segmentLengthId,
      firstHeaderPointer: f.firstHeaderPointer,
      operationalControlField: ocfHex(f.operationalControlField),
      fecfValid: f.fecfValid ?? null,
    };
  }
  if (type === 'aos') {
    const f = decodeAosFrame(frame, {
      fecfPresent: fecfOctets(o, type) > 0,
      fhecPresent: o.fhec === true,
      ocfPresent: o.ocf === true,
      insertZoneLength:
        o.insertZone === undefined ? 0 : parseInteger(o.insertZone, 0, 65535, '--insert-zone'),
      userDataType: (vc) => aosTypes.get(vc) ?? 'M_PDU',
      verifyFecf: false,
    });
    return {
      spacecraftId: f.spacecraftId,
      virtualChannelId: f.virtualChannelId,
      virtualChannelFrameCount: f.virtualChannelFrameCount,
      replayFlag: f.replayFlag,
      vcFrameCountUsageFlag: f.vcFrameCountUsageFlag,
      vcFrameCountCycle: f.vcFrameCountCycle,
      fhecCorrectedSymbols: f.fhecCorrectedSymbols ?? null,
      userDataType: f.userDataType ?? null,
      firstHeaderPointer: f.mpdu?.firstHeaderPointer ?? null,
      ...(f.bpdu === undefined
        ? {}
        : { bitstreamDataPointer: f.bpdu.bitstreamDataPointer, validBits: f.bpdu.validBits }),
      operationalControlField: ocfHex(f.operationalControlField),
      fecfValid: f.fecfValid ?? null,
    };
  }
  const f = decodeUslpFrame(frame, {
    ...uslpFecf(fecfOctets(o, type)),
    insertZoneLength:
      o.insertZone === undefined ? 0 : parseInteger(o.insertZone, 0, 65535, '--insert-zone'),
    ...(o.truncatedLength === undefined
      ? {}
      : { truncatedFrameLength: parseInteger(o.truncatedLength, 5, 65536, '--truncated-length') }),
    ...(frameLength === undefined ? {} : { fixedFrameLength: frameLength }),
    verifyFecf: false,
  });
  return {
    spacecraftId: f.spacecraftId,
    virtualChannelId: f.virtualChannelId,
    mapId: f.mapId,
    frameLength: f.frameLength,
    truncated: f.endOfFramePrimaryHeader,
    virtualChannelFrameCount:
      f.virtualChannelFrameCount === undefined ? null : f.virtualChannelFrameCount.toString(),
    bypassSequenceControlFlag: f.bypassSequenceControlFlag ?? null,
    protocolControlCommandFlag: f.protocolControlCommandFlag ?? null,
    tfdzConstructionRules: f.tfdzConstructionRules,
    uslpProtocolId: f.uslpProtocolId,
    firstHeaderOrLastValidOctetPointer: f.firstHeaderOrLastValidOctetPointer ?? null,
    operationalControlField: ocfHex(f.operationalControlField),
    frameErrorControlField:
      f.frameErrorControlField === undefined
        ? null
        : f.frameErrorControlField.toString(16).padStart(2 * fecfOctets(o, type), '0'),
    fecfValid: f.fecfValid ?? null,
  };
}

/** Output file name of a packet: `apid-<n>.bin` for Space Packets, `epp-protocol-<id>.bin` else. */
function packetFile(d: Uint8Array): string {
  if (d[0]! >> 5 === 0 && d.length >= 2) return `apid-${((d[0]! & 7) << 8) | d[1]!}.bin`;
  return `epp-protocol-${(d[0]! >> 2) & 7}.bin`;
}

/**
 * `--type tc`: TC Transfer Frames (232.0-B-4), variable length, one after another. Each frame's
 * header is printed; packets are reassembled per virtual channel and MAP (blocking and
 * segmentation) and, with `--packets-out`, written per APID. Bad frames are reported, not thrown.
 */
async function decodeTcCommand(file: string, o: DecodeFlags, out: Output): Promise<void> {
  const json = o.json === true;
  const fecfPresent = fecfOctets(o, 'tc') > 0;
  const reassemblers = new Map<number, MapPacketReassembler>();
  const frames: Record<string, unknown>[] = [];
  const packets: Record<string, unknown>[] = [];
  const problems: Record<string, unknown>[] = [];
  const writers = new Map<string, BufferedFileWriter>();
  if (o.packetsOut !== undefined) mkdirSync(o.packetsOut, { recursive: true });
  let carry = new Uint8Array(0);
  let offset = 0;
  let index = 0;
  const line = (t: string): void => {
    if (!json) out.stdout(t + '\n');
  };
  const onFrame = async (bytes: Uint8Array, at: number): Promise<void> => {
    let f;
    try {
      f = decodeTcFrame(bytes, { fecfPresent, segmentHeaderPresent: o.segmentHeader === true });
    } catch (e) {
      if (!isCcsdsError(e)) throw e;
      problems.push({ index, offset: at, error: e.code, message: e.message });
      line(`frame ${index} at ${at}: ${e.code} ${e.message}`);
      index++;
      return;
    }
    const fields = {
      index,
      offset: at,
      spacecraftId: f.spacecraftId,
      virtualChannelId: f.virtualChannelId,
      frameType: f.frameType,
      frameSequenceNumber: f.frameSequenceNumber,
      length: bytes.length,
      ...(f.segmentHeader === undefined
        ? {}
        : { mapId: f.segmentHeader.mapId, sequenceFlags: f.segmentHeader.sequenceFlags }),
    };
    index++;
    if (json) frames.push(fields);
    else
      line(
        `frame ${Object.entries(fields)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`,
      );
    if (f.frameType === 'BC') return;
    let r = reassemblers.get(f.virtualChannelId);
    if (r === undefined) {
      r = new MapPacketReassembler();
      reassemblers.set(f.virtualChannelId, r);
    }
    for (const res of r.push(f.segmentHeader, f.dataField)) {
      if (res.kind === 'aborted') {
        problems.push({
          virtualChannelId: f.virtualChannelId,
          mapId: res.mapId,
          aborted: res.reason,
        });
        line(
          `  vc ${f.virtualChannelId} map ${res.mapId}: ${res.reason} (${res.discardedOctets} octets discarded)`,
        );
        continue;
      }
      const p = res.packet;
      const entry = {
        virtualChannelId: f.virtualChannelId,
        mapId: res.mapId,
        length: p.length,
        segments: res.segments,
      };
      if (json) packets.push(entry);
      else
        line(
          `  packet vc ${f.virtualChannelId} map ${res.mapId}: ${p.length} octets in ${res.segments} segment(s)`,
        );
      if (o.packetsOut !== undefined) {
        const name = packetFile(p);
        let w = writers.get(name);
        if (w === undefined) {
          w = new BufferedFileWriter(join(o.packetsOut, name));
          writers.set(name, w);
        }
        await w.write(p);
      }
    }
  };
  for await (const chunk of openInput(file)) {
    const c = chunk as Uint8Array;
    const buf = new Uint8Array(carry.length + c.length);
    buf.set(carry);
    buf.set(c, carry.length);
    let pos = 0;
    while (buf.length - pos >= 4) {
      const len = peekTcFrameLength(buf, pos);
      if (pos + len > buf.length) break;
      await onFrame(buf.subarray(pos, pos + len), offset + pos);
      pos += len;
    }
    offset += pos;
    carry = buf.slice(pos);
  }
  if (carry.length > 0) {
    problems.push({
      offset,
      error: 'TRUNCATED',
      message: `${carry.length} octets after the last whole frame`,
    });
    line(`${carry.length} octets at ${offset}: truncated frame`);
  }
  for (const w of writers.values()) await w.close();
  if (json) out.stdout(JSON.stringify({ frames, packets, problems }) + '\n');
  else line(`${index} frames, ${problems.length} problems`);
  if (problems.length > 0) out.exitCode = 1;
}

async function decodeCommand(
  file: string,
  o: DecodeFlags & { type: FrameType },
  out: Output,
): Promise<void> {
  const frameLength =
    o.frameLength === undefined
      ? undefined
      : parseInteger(o.frameLength, 7, 65536, '--frame-length');
  if (frameLength === undefined && o.type !== 'uslp')
    throw new CliFailure(`--frame-length is required for --type ${o.type}`, 2);
  const fecf = fecfOctets(o, o.type);
  const aosTypes = aosVcTypes(o.vcType, o.type);
  const writers = new Map<string, BufferedFileWriter>();
  if (o.packetsOut !== undefined) mkdirSync(o.packetsOut, { recursive: true });
  if (o.accessOut !== undefined) mkdirSync(o.accessOut, { recursive: true });
  // VCA_SDUs and B_PDU bitstream data, per spacecraft and VC.
  const accessStats = new Map<
    string,
    {
      spacecraftId: number;
      virtualChannelId: number;
      userDataType: string;
      units: number;
      bits: number;
      afterLoss: number;
    }
  >();
  const accessList: Record<string, unknown>[] = [];
  const accessWriters = new Map<string, BitFileWriter>();
  const pending: Promise<void>[] = [];
  const perVc = new Map<string, { packets: number; flagged: number; octets: number }>();
  const packetList: Record<string, unknown>[] = [];
  const events: LinkEvent[] = [];
  const json = o.json === true;
  const onPacket = (p: ReceivedPacket): void => {
    const key =
      p.mapId === undefined
        ? `${p.spacecraftId}/${p.virtualChannelId}`
        : `${p.spacecraftId}/${p.virtualChannelId}/${p.mapId}`;
    const s = perVc.get(key) ?? { packets: 0, flagged: 0, octets: 0 };
    s.packets++;
    if (p.quality !== 'good') s.flagged++;
    s.octets += p.data.length;
    perVc.set(key, s);
    const entry = {
      spacecraftId: p.spacecraftId,
      virtualChannelId: p.virtualChannelId,
      ...(p.mapId === undefined ? {} : { mapId: p.mapId }),
      packetVersionNumber: p.packetVersionNumber,
      length: p.data.length,
      quality: p.quality,
    };
    if (json) packetList.push(entry);
    else
      out.stdout(
        `  packet vc ${p.virtualChannelId}${p.mapId === undefined ? '' : ` map ${p.mapId}`}: ${p.packetVersionNumber === 0 ? 'space packet' : 'encapsulation packet'}, ${p.data.length} octets${p.quality === 'good' ? '' : ' (INCOMPLETE)'}\n`,
      );
    if (o.packetsOut !== undefined && p.quality === 'good') {
      const name = packetFile(p.data);
      let w = writers.get(name);
      if (w === undefined) {
        w = new BufferedFileWriter(join(o.packetsOut, name));
        writers.set(name, w);
      }
      const r = w.write(p.data);
      if (r !== undefined) pending.push(r);
    }
  };
  const onAccessData = (d: AosAccessData | TmAccessData): void => {
    const userDataType = 'userDataType' in d ? d.userDataType : 'VCA';
    const bits = 'validBits' in d ? d.validBits : d.data.length * 8;
    const key = `${d.spacecraftId}/${d.virtualChannelId}`;
    const st = accessStats.get(key) ?? {
      spacecraftId: d.spacecraftId,
      virtualChannelId: d.virtualChannelId,
      userDataType,
      units: 0,
      bits: 0,
      afterLoss: 0,
    };
    st.units++;
    st.bits += bits;
    if (!d.continuous && st.units > 1) st.afterLoss++;
    accessStats.set(key, st);
    const entry = {
      spacecraftId: d.spacecraftId,
      virtualChannelId: d.virtualChannelId,
      userDataType,
      bits,
      continuous: d.continuous,
      ...('statusFields' in d ? { statusFields: d.statusFields } : {}),
    };
    if (json) accessList.push(entry);
    else
      out.stdout(
        `  ${userDataType} vc ${d.virtualChannelId}: ${bits} bits${'statusFields' in d ? `, status ${d.statusFields}` : ''}${d.continuous || st.units === 1 ? '' : ' (after a loss)'}\n`,
      );
    if (o.accessOut !== undefined) {
      const name = `scid-${d.spacecraftId}-vc-${d.virtualChannelId}.bin`;
      let w = accessWriters.get(name);
      if (w === undefined) {
        w = new BitFileWriter(join(o.accessOut, name));
        accessWriters.set(name, w);
      }
      const r = w.write(d.data, bits);
      if (r !== undefined) pending.push(r);
    }
  };
  const gapPolicy = o.gapPolicy ?? 'drop';
  const common = { gapPolicy, onPacket, onEvent: (e: LinkEvent) => events.push(e) };
  const insertZoneLength =
    o.insertZone === undefined ? 0 : parseInteger(o.insertZone, 0, 65535, '--insert-zone');
  const receiver =
    o.type === 'tm'
      ? new TmReceiver({
          frameLength: frameLength!,
          fecfPresent: fecf > 0,
          onAccessData,
          ...common,
        })
      : o.type === 'aos'
        ? new AosReceiver({
            frameLength: frameLength!,
            virtualChannels: Object.fromEntries(
              [...aosTypes].map(([vc, userDataType]) => [vc, { userDataType }]),
            ),
            onAccessData,
            fecfPresent: fecf > 0,
            fhecPresent: o.fhec === true,
            ocfPresent: o.ocf === true,
            insertZoneLength,
            ...common,
          })
        : new UslpReceiver({
            frameType: frameLength === undefined ? 'variable' : 'fixed',
            ...(frameLength === undefined ? {} : { frameLength }),
            ...(o.truncatedLength === undefined
              ? {}
              : {
                  truncatedFrameLength: parseInteger(
                    o.truncatedLength,
                    5,
                    65536,
                    '--truncated-length',
                  ),
                }),
            ...uslpFecf(fecf),
            insertZoneLength,
            ...common,
          });
  const frames: Record<string, unknown>[] = [];
  let index = 0;
  let garbage = 0;
  let carry = new Uint8Array(0);
  const describe = (frame: Uint8Array): void => {
    let fields: Record<string, unknown>;
    try {
      fields = { index, ...headerFields(o.type, frame, o, frameLength, aosTypes) };
    } catch (e) {
      if (!isCcsdsError(e)) throw e;
      fields = { index, error: e.code, message: e.message };
    }
    index++;
    if (json) frames.push(fields);
    else {
      const { index: i, ...rest } = fields;
      out.stdout(
        `frame ${String(i)}: ${Object.entries(rest)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}\n`,
      );
    }
  };
  for await (const chunk of openInput(file)) {
    const c = chunk as Uint8Array;
    const buf = new Uint8Array(carry.length + c.length);
    buf.set(carry);
    buf.set(c, carry.length);
    let pos = 0;
    for (;;) {
      let len = frameLength ?? 0;
      if (frameLength === undefined) {
        const t =
          o.truncatedLength === undefined
            ? undefined
            : parseInteger(o.truncatedLength, 5, 65536, '--truncated-length');
        len = uslpFrameLengthAt(buf, pos, buf.length, t);
        if (len < 0 || (len > 0 && len < 5)) {
          // No USLP frame starts here: step over one octet.
          garbage++;
          pos++;
          continue;
        }
      }
      if (len === 0 || pos + len > buf.length) break;
      const frame = buf.subarray(pos, pos + len);
      describe(frame);
      receiver.pushFrame(frame);
      pos += len;
    }
    carry = buf.slice(pos);
    if (pending.length > 0) await Promise.all(pending.splice(0));
  }
  receiver.push(carry);
  receiver.end();
  await Promise.all(pending);
  for (const w of writers.values()) await w.close();
  for (const w of accessWriters.values()) await w.close();
  const counters = receiver.counters;
  const vcs: VirtualChannelCounters[] = receiver.virtualChannelCounters();
  if (json) {
    out.stdout(
      JSON.stringify({
        frames,
        packets: packetList,
        ...(accessList.length > 0
          ? { access: accessList, accessChannels: [...accessStats.values()] }
          : {}),
        events,
        counters,
        virtualChannels: vcs,
        skippedOctets: garbage,
      }) + '\n',
    );
    return;
  }
  for (const e of events) {
    if (e.type === 'vc-gap')
      out.stdout(
        `gap: vc ${e.virtualChannelId} expected count ${e.expected}, got ${e.received} (${e.missingFrames} frames missing)\n`,
      );
    else if (e.type === 'bad-crc') out.stdout(`frame ${e.frameIndex}: bad FECF\n`);
    else if (e.type === 'bad-header')
      out.stdout(`frame ${e.frameIndex}: bad header: ${e.reason}\n`);
  }
  out.stdout(
    `${counters.frames} frames (${counters.accepted} accepted, ${counters.badCrc} bad FECF, ${counters.badHeader} bad header)${garbage > 0 ? `, ${garbage} octets skipped` : ''}\n`,
  );
  for (const v of vcs) {
    out.stdout(
      `vc ${v.virtualChannelId} (scid ${v.spacecraftId}): ${v.frames} frames, ${v.gaps} gaps (${v.lostFrames} frames lost), ${v.packetsGood} packets, ${v.packetsFlagged} flagged, ${v.packetsDropped} dropped, ${v.idlePackets} idle\n`,
    );
  }
  for (const a of accessStats.values())
    out.stdout(
      `vc ${a.virtualChannelId} (scid ${a.spacecraftId}) ${a.userDataType}: ${a.units} units, ${a.bits} bits, ${a.afterLoss} after a loss\n`,
    );
}

async function encodeCommand(file: string, o: EncodeFlags, out: Output): Promise<void> {
  const frameLength = parseInteger(o.frameLength, 8, 65536, '--frame-length');
  const vcid = parseInteger(o.vcid, 0, o.type === 'tm' ? 7 : 62, '--vcid');
  const scid = parseInteger(
    o.scid,
    0,
    o.type === 'tm' ? 1023 : o.type === 'aos' ? 255 : 65535,
    '--scid',
  );
  const insertZoneLength =
    o.insertZone === undefined ? 0 : parseInteger(o.insertZone, 0, 65535, '--insert-zone');
  const fecf = fecfOctets(o, o.type);
  const fecfPresent = fecf > 0;
  const ocfPresent = o.ocf === true;
  const service = o.service ?? 'packet';
  if (service === 'vca' && o.type === 'uslp')
    throw new CliFailure('--service vca is for --type tm or aos', 2);
  if (service === 'bitstream' && o.type !== 'aos')
    throw new CliFailure('--service bitstream is for --type aos (B_PDU)', 2);
  const sender =
    o.type === 'tm'
      ? new TmSender({
          spacecraftId: scid,
          frameLength,
          fecfPresent,
          ocfPresent,
          virtualChannels: [
            { virtualChannelId: vcid, service: service === 'vca' ? 'vca' : 'packet' },
          ],
        })
      : o.type === 'aos'
        ? new AosSender({
            spacecraftId: scid,
            frameLength,
            fecfPresent,
            ocfPresent,
            fhecPresent: o.fhec === true,
            insertZoneLength,
            virtualChannels: [
              {
                virtualChannelId: vcid,
                userDataType:
                  service === 'vca' ? 'VCA' : service === 'bitstream' ? 'B_PDU' : 'M_PDU',
              },
            ],
          })
        : new UslpSender({
            spacecraftId: scid,
            frameType: o.variable === true ? 'variable' : 'fixed',
            frameLength,
            ...uslpFecf(fecf),
            ocfPresent,
            insertZoneLength,
            channels: [{ virtualChannelId: vcid }],
          });
  const send = (p: Uint8Array): void => {
    if (sender instanceof UslpSender) sender.send(vcid, 0, p);
    else sender.send(vcid, p);
  };
  if (service !== 'packet')
    return encodeRawCommand(file, o, out, sender as TmSender | AosSender, vcid);
  const writer = new BufferedFileWriter(o.output);
  let packets = 0;
  let frames = 0;
  let skipped = 0;
  const reader = new FramedStreamReader(
    mixedPacketFramer(),
    {
      unit: (u) => {
        send(u);
        packets++;
      },
      skipped: (r) => (skipped += r.end - r.start),
    },
    { copy: true },
  );
  try {
    for await (const chunk of openInput(file)) {
      reader.push(chunk as Uint8Array);
      for (let f = sender.readyFrame(); f !== undefined; f = sender.readyFrame()) {
        frames++;
        await writer.write(f);
      }
    }
    reader.end();
    for (const f of sender.flush()) {
      frames++;
      await writer.write(f);
    }
  } finally {
    await writer.close();
  }
  if (o.json === true)
    out.stdout(
      JSON.stringify({ packets, frames, octets: writer.written, skippedOctets: skipped }) + '\n',
    );
  else
    out.stdout(
      `${packets} packets -> ${frames} ${o.type.toUpperCase()} frames (${writer.written} octets) in ${o.output}${skipped > 0 ? `; ${skipped} octets of input skipped` : ''}\n`,
    );
}

/**
 * `encode --service vca|bitstream`: the input is raw data. VCA: cut into VCA_SDUs of the data
 * field's length (octets left over that do not make a whole SDU are reported and exit 1).
 * Bitstream: every input bit goes into B_PDUs; the last one is padded with idle fill.
 */
async function encodeRawCommand(
  file: string,
  o: EncodeFlags,
  out: Output,
  sender: TmSender | AosSender,
  vcid: number,
): Promise<void> {
  const vca = o.service === 'vca';
  const sduLength = vca ? sender.accessSduLength(vcid) : 0;
  const sdu = new Uint8Array(sduLength);
  let fill = 0;
  let units = 0;
  let octets = 0;
  let frames = 0;
  const writer = new BufferedFileWriter(o.output);
  try {
    for await (const chunk of openInput(file)) {
      const c = chunk as Uint8Array;
      octets += c.length;
      if (!vca) {
        (sender as AosSender).sendBitstream(vcid, c.slice());
        units++;
      } else
        for (let i = 0; i < c.length; ) {
          const n = Math.min(sduLength - fill, c.length - i);
          sdu.set(c.subarray(i, i + n), fill);
          fill += n;
          i += n;
          if (fill === sduLength) {
            sender.sendAccess(vcid, sdu.slice());
            units++;
            fill = 0;
          }
        }
      for (let f = sender.readyFrame(); f !== undefined; f = sender.readyFrame()) {
        frames++;
        await writer.write(f);
      }
    }
    for (const f of sender.flush()) {
      frames++;
      await writer.write(f);
    }
  } finally {
    await writer.close();
  }
  const result = vca
    ? { sdus: units, sduLength, leftoverOctets: fill, frames, octets: writer.written }
    : { bits: octets * 8, frames, octets: writer.written };
  if (o.json === true) out.stdout(JSON.stringify(result) + '\n');
  else
    out.stdout(
      `${vca ? `${units} VCA_SDUs of ${sduLength} octets` : `${octets * 8} bits`} -> ${frames} ${o.type.toUpperCase()} frames (${writer.written} octets) in ${o.output}\n`,
    );
  if (fill > 0) {
    out.stderr(`${fill} octets left over: not a whole VCA_SDU of ${sduLength} octets\n`);
    out.exitCode = 1;
  }
}

/** Adds the `frames` noun (`decode`, `encode`) to the program. */
export function registerFrameCommands(program: Command, out: Output): void {
  const frames = program
    .command('frames')
    .description('TM / AOS / USLP / TC transfer frames (CCSDS 132.0, 732.0, 732.1, 232.0)');

  frames
    .command('decode')
    .argument('<file>', 'frame stream file, or - for standard input')
    .description('print each frame header and the packets extracted per virtual channel')
    .addOption(
      new Option('--type <type>', 'frame type')
        .choices(['tm', 'aos', 'uslp', 'tc'])
        .makeOptionMandatory(),
    )
    .option('--frame-length <octets>', 'frame length (TM and AOS; USLP fixed-length frames)')
    .option('--segment-header', 'TC: frames on the virtual channels carry a segment header (MAPs)')
    .option('--fecf', 'frames end with a 16-bit FECF')
    .option(
      '--fecf-length <octets>',
      'FECF of 2 or 4 octets (USLP: 4 = CCSDS CRC-32); implies --fecf',
    )
    .option('--ocf', 'AOS frames carry an OCF (TM and USLP read their OCF flag)')
    .option('--fhec', 'AOS headers carry the FHEC')
    .option('--insert-zone <octets>', 'AOS / USLP insert zone length')
    .option('--truncated-length <octets>', 'USLP truncated frame length')
    .addOption(
      new Option('--gap-policy <policy>', 'packets interrupted by a gap').choices(['drop', 'flag']),
    )
    .option('--packets-out <dir>', 'write extracted packets per APID into this folder')
    .option(
      '--vc-type <vcid=type...>',
      'AOS: what a VC carries, M_PDU (default), B_PDU or VCA, e.g. 20=B_PDU',
    )
    .option(
      '--access-out <dir>',
      'write VCA_SDUs and B_PDU bitstream data per VC (scid-<s>-vc-<v>.bin) into this folder',
    )
    .option('--json', 'machine-readable output')
    .action((file: string, o: DecodeFlags) =>
      o.type === 'tc'
        ? decodeTcCommand(file, o, out)
        : decodeCommand(file, o as DecodeFlags & { type: FrameType }, out),
    );

  frames
    .command('encode')
    .argument('<packets-file>', 'Space / Encapsulation Packet stream, or - for standard input')
    .description('build frames from a packet stream (or raw data for VCA / bitstream)')
    .addOption(typeOption())
    .requiredOption('--frame-length <octets>', 'frame length (USLP variable: the longest frame)')
    .requiredOption('--scid <id>', 'spacecraft ID')
    .requiredOption('--vcid <id>', 'virtual channel ID')
    .option('--fecf', 'append a 16-bit FECF')
    .option(
      '--fecf-length <octets>',
      'FECF of 2 or 4 octets (USLP: 4 = CCSDS CRC-32); implies --fecf',
    )
    .option('--ocf', 'carry an OCF')
    .option('--fhec', 'AOS: header error control')
    .option('--insert-zone <octets>', 'AOS / USLP insert zone length')
    .option('--variable', 'USLP: variable-length frames')
    .addOption(
      new Option(
        '--service <service>',
        'packet (default); vca: raw input cut into VCA_SDUs (TM, AOS); bitstream: raw input as AOS B_PDUs',
      ).choices(['packet', 'vca', 'bitstream']),
    )
    .requiredOption('-o, --output <file>', 'frame file to write')
    .option('--json', 'machine-readable output')
    .action((file: string, o: EncodeFlags) => encodeCommand(file, o, out));
}
