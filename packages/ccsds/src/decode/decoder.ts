/**
 * Telemetry decoding of Space Packet streams (CCSDS 133.0-B-2): packets are framed with
 * resynchronisation (the `spp` framer), idle packets (APID 2047) filtered, sequence counts
 * checked per APID modulo 16,384, segmented packets reassembled, each packet matched to its
 * definition (APID, then criteria, most derived first) and decoded into column batches by the
 * definition's compiled decoder. Every octet that is not part of a decoded packet, and every
 * packet that could not be decoded, is reported with its stream offset and a reason.
 *
 * Entry points: {@link decodePackets} (a buffer), {@link decodeStream} (any async iterable of
 * chunks: a Node stream, a socket, a `ReadableStream`), {@link decodeBatches} (bounded memory,
 * column batches as they fill), {@link decodeRecords} (one object per packet, in stream order),
 * and the push-style {@link TelemetryDecoder}.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  FramedStreamReader,
  type Framer,
  type SkippedRange,
  SkipReason,
  checkInteger,
} from '../core/index.js';
import { SegmentReassembler, decodeSpacePacketHeader, spacePacketFramer } from '../spp/index.js';
import { DecodeStatus, type DecoderMode, type PacketDecodeFn, makeDecoder } from './compile.js';
import { applyConverters, converterInputs } from './convert.js';
import { type Condition, PRIMARY_HEADER_FIELDS, invalidDefinition } from './definition.js';
import { type FieldPlan, type LayoutPlan, PositionBase, planLayout } from './layout.js';
import { readPermU, readS, readText, readU, readUBig } from './read.js';
import { type Definitions, type ResolvedDefinition, toRegistry } from './registry.js';
import { type DecodedTable, TableBuilder, concatTables, rowObject } from './table.js';

/** Options of the decoders. */
export interface DecodeOptions {
  /** Add the primary header fields (`CCSDS_APID`, ...) as columns (default false). */
  includePrimaryHeader?: boolean;
  /** Decode only packets of these APIDs (others are counted as filtered). */
  apids?: readonly number[];
  /** Compiled (default where possible) or interpreted decoders. */
  mode?: DecoderMode;
  /** Rows per emitted batch in streaming (default 65,536; `Infinity` for one table). */
  batchRows?: number;
  /** Most diagnostics kept (default 1000; the counts in the report are always complete). */
  maxDiagnostics?: number;
  /** Reassemble segmented packets (sequence flags first / continuation / last; default true). */
  reassemble?: boolean;
  /** Longest reassembled packet data (default 16 MiB). */
  maxSegmentedLength?: number;
  /** Packets end with a CRC-16 packet error control field; failing packets are skipped. */
  packetErrorControl?: boolean;
  /** Longest packet accepted (7..65,542; default 65,542). */
  maxPacketLength?: number;
  /**
   * Resynchronise only on headers of these APIDs, or `'definitions'` for the APIDs the
   * definitions name (default: every version-0 header is believed). Packets of other APIDs are
   * then reported as garbage.
   */
  validApids?: readonly number[] | 'definitions';
}

/** What a diagnostic reports. */
export type DiagnosticKind =
  | 'garbage'
  | 'rejected'
  | 'truncated'
  | 'too-short'
  | 'array-overrun'
  | 'too-long'
  | 'no-definition'
  | 'sequence-gap'
  | 'sequence-duplicate'
  | 'sequence-backwards'
  | 'segment-aborted'
  | 'conversion';

/** One problem, at a stream offset. */
export interface DecodeDiagnostic {
  /** Stream offset of the octets or packet concerned. */
  offset: number;
  /** Octets concerned (0 for sequence events and conversions). */
  length: number;
  kind: DiagnosticKind;
  apid?: number;
  definition?: string;
  message: string;
}

/** Per-APID statistics. */
export interface ApidDecodeStats {
  apid: number;
  /** Packets seen (idle excluded). */
  packets: number;
  /** Rows produced. */
  decoded: number;
  gaps: number;
  missingPackets: number;
  duplicates: number;
  backwards: number;
}

/** The report of a decode. */
export interface DecodeReport {
  /** No garbage, no undecodable packets, no sequence anomalies, no aborted segments. */
  ok: boolean;
  /** Octets read. */
  octets: number;
  /** Packets framed (idle included). */
  packets: number;
  /** Rows decoded. */
  decoded: number;
  idlePackets: number;
  /** Packets of APIDs left out by the `apids` option. */
  filtered: number;
  /** Packets for which no definition matched. */
  undecoded: number;
  /** Packets whose length does not fit their definition. */
  rejected: number;
  skippedOctets: number;
  sequenceAnomalies: number;
  segmentsAborted: number;
  conversionErrors: number;
  /** Rows per definition. */
  definitions: Record<string, number>;
  apids: ApidDecodeStats[];
  diagnostics: DecodeDiagnostic[];
  /** True when more diagnostics occurred than were kept. */
  diagnosticsTruncated: boolean;
}

/** Tables per definition and the report. */
export interface DecodeResult {
  /** One table per selectable definition (empty ones included), in definition order. */
  tables: Map<string, DecodedTable>;
  report: DecodeReport;
}

interface Selector {
  field: FieldPlan;
  op: NonNullable<Condition['op']>;
  value: number | bigint | string;
}

interface Compiled {
  def: ResolvedDefinition;
  plan: LayoutPlan;
  fn: PacketDecodeFn;
  builder: TableBuilder;
  selectors: Selector[];
  dropColumns: Set<string>;
}

const STATUS_KIND: Record<number, DiagnosticKind> = {
  [DecodeStatus.TOO_SHORT]: 'too-short',
  [DecodeStatus.ARRAY_OVERRUN]: 'array-overrun',
  [DecodeStatus.TOO_LONG]: 'too-long',
};

const STATUS_TEXT: Record<number, string> = {
  [DecodeStatus.TOO_SHORT]: 'packet shorter than its definition',
  [DecodeStatus.ARRAY_OVERRUN]: 'array length runs past the end of the packet',
  [DecodeStatus.TOO_LONG]: 'packet longer than its definition',
};

function readSelector(f: FieldPlan, b: Uint8Array, o: number): number | bigint | string {
  const i = o + (f.bit >> 3);
  const s = f.bit & 7;
  if (f.type === 'str') return readText(b, i, s, f.bits / 8, f.encoding === 'latin1');
  if (f.significance !== undefined && f.bits <= 48) return readPermU(b, i, s, f.significance);
  if (f.bits > 53) return readUBig(b, i, s, f.bits);
  return f.type === 'int' ? readS(b, i, s, f.bits) : readU(b, i, s, f.bits);
}

function compare(
  a: number | bigint | string,
  op: Selector['op'],
  v: number | bigint | string,
): boolean {
  let x = a;
  let y = v;
  if (typeof x !== typeof y) {
    if (typeof x === 'string' || typeof y === 'string') {
      x = String(x);
      y = String(y);
    } else {
      x = BigInt(x);
      y = BigInt(y);
    }
  }
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/**
 * Push-style decoder: `push(chunk)` any number of times, then `end()`. Batches are delivered to
 * `onBatch` as they fill (`batchRows`), on `flush()`, and at `end()`. Memory is bounded by the
 * batch size and the longest packet.
 */
export class TelemetryDecoder {
  private readonly compiled: Compiled[];
  private readonly candidates: (Compiled[] | undefined)[] = new Array(2048);
  private anyCandidates: Compiled[] | undefined;
  private readonly framer: Framer;
  private reader: FramedStreamReader;
  private readonly onBatch: (t: DecodedTable) => void;
  private readonly batchRows: number;
  private readonly maxDiagnostics: number;
  private readonly filter: Uint8Array | undefined;
  private reassembler: SegmentReassembler | undefined;
  private readonly segmentLimit: number;
  private readonly openGroup = new Uint8Array(2048);
  private readonly firstHeader: (Uint8Array | undefined)[] = new Array(2048);
  private readonly last = new Int32Array(2048).fill(-1);
  private readonly stats: ApidDecodeStats[] = [];
  private readonly noDefinitionSeen = new Uint8Array(2048);
  private readonly diagnostics: DecodeDiagnostic[] = [];
  private readonly rowsPer = new Map<string, number>();
  private diagnosticsTruncated = false;
  private packets = 0;
  private idle = 0;
  private filtered = 0;
  private undecoded = 0;
  private rejected = 0;
  private decoded = 0;
  private anomalies = 0;
  private aborted = 0;
  private conversionErrors = 0;
  private base = 0;
  private fastOctets = 0;
  private ended = false;

  /**
   * @param definitions - what to decode
   * @param options - see {@link DecodeOptions}
   * @param onBatch - receives column batches (converters applied)
   */
  constructor(
    definitions: Definitions,
    options: DecodeOptions = {},
    onBatch: (t: DecodedTable) => void = () => undefined,
  ) {
    const registry = toRegistry(definitions);
    this.onBatch = onBatch;
    this.batchRows = options.batchRows ?? 65536;
    if (!(this.batchRows >= 1)) invalidDefinition('batchRows must be at least 1');
    this.maxDiagnostics = options.maxDiagnostics ?? 1000;
    checkInteger(this.maxDiagnostics, 0, 1e9, 'maxDiagnostics');
    if (options.apids !== undefined) {
      this.filter = new Uint8Array(2048);
      for (const a of options.apids) {
        checkInteger(a, 0, 2047, 'APID');
        this.filter[a] = 1;
      }
    }
    const mode = options.mode ?? 'auto';
    const initialRows = Number.isFinite(this.batchRows) ? Math.min(this.batchRows, 256) : 256;
    this.compiled = registry
      .resolveAll()
      .filter((d) => !d.abstract)
      .map((def) => this.compile(def, options.includePrimaryHeader === true, mode, initialRows));
    const rank = (a: Compiled, b: Compiled): number =>
      b.def.depth - a.def.depth || a.def.order - b.def.order;
    const any = this.compiled.filter((c) => c.def.apids === undefined).sort(rank);
    const per = new Map<number, Compiled[]>();
    for (const c of this.compiled) {
      for (const a of new Set(c.def.apids ?? [])) {
        const l = per.get(a);
        if (l === undefined) per.set(a, [c]);
        else l.push(c);
      }
    }
    for (const [a, l] of per) this.candidates[a] = [...l.sort(rank), ...any];
    this.anyCandidates = any.length > 0 ? any : undefined;
    const validApids =
      options.validApids === 'definitions'
        ? registry.apids()
        : options.validApids === undefined
          ? undefined
          : [...options.validApids];
    this.framer = spacePacketFramer({
      ...(validApids === undefined ? {} : { validApids }),
      ...(options.maxPacketLength === undefined
        ? {}
        : { maxPacketLength: options.maxPacketLength }),
      ...(options.packetErrorControl === true ? { packetErrorControl: true } : {}),
    });
    this.reader = this.newReader();
    this.segmentLimit = options.maxSegmentedLength ?? 16 * 1024 * 1024;
    if (options.reassemble !== false) {
      this.reassembler = new SegmentReassembler({ maxUserDataLength: this.segmentLimit });
    }
  }

  private newReader(): FramedStreamReader {
    return new FramedStreamReader(this.framer, {
      unit: (u, offset) => this.packet(u, 0, u.length, offset + this.base),
      skipped: (r) => this.skipped(r),
    });
  }

  /**
   * Forgets everything about the stream so far (rows not yet emitted, sequence state, the
   * report) so that the decoder, with its compiled definitions, can decode another stream.
   */
  reset(): void {
    this.reader = this.newReader();
    if (this.reassembler !== undefined) {
      this.reassembler = new SegmentReassembler({ maxUserDataLength: this.segmentLimit });
    }
    this.openGroup.fill(0);
    this.firstHeader.fill(undefined);
    this.last.fill(-1);
    this.stats.length = 0;
    this.noDefinitionSeen.fill(0);
    this.diagnostics.length = 0;
    this.rowsPer.clear();
    this.diagnosticsTruncated = false;
    this.packets = this.idle = this.filtered = this.undecoded = this.rejected = this.decoded = 0;
    this.anomalies = this.aborted = this.conversionErrors = 0;
    this.base = this.fastOctets = 0;
    this.ended = false;
    for (const c of this.compiled) c.builder.clear();
  }

  private compile(
    def: ResolvedDefinition,
    includeHeader: boolean,
    mode: DecoderMode,
    initialRows: number,
  ): Compiled {
    const headerNames = PRIMARY_HEADER_FIELDS.map((h) => h.name);
    const used = new Set(def.converters.flatMap((c) => converterInputs(c)));
    const header = includeHeader ? headerNames : headerNames.filter((h) => used.has(h));
    const plan = planLayout(def.fields, header);
    const selectors = def.conditions.map((c): Selector => {
      const h = PRIMARY_HEADER_FIELDS.find((x) => x.name === c.field);
      const f: FieldPlan | undefined =
        h !== undefined
          ? {
              name: h.name,
              type: 'uint',
              bits: h.bits,
              kind: 'scalar',
              elements: 1,
              shape: [],
              perm: undefined,
              ref: -1,
              base: PositionBase.START,
              bit: h.offset,
              align: h.offset & 7,
              significance: undefined,
              floatFormat: 'ieee',
              encoding: 'utf-8',
              column: -1,
              storage: 'u16',
              after: 0,
              header: true,
              source: undefined,
            }
          : plan.fields.find((x) => x.name === c.field);
      if (f === undefined) invalidDefinition(`${def.name}: condition on unknown field ${c.field}`);
      if (
        f.kind !== 'scalar' ||
        f.base !== PositionBase.START ||
        f.type === 'fill' ||
        f.type === 'float'
      ) {
        invalidDefinition(
          `${def.name}: condition field ${c.field} must be a scalar integer or text at a fixed position`,
        );
      }
      return { field: f, op: c.op ?? '==', value: c.value };
    });
    return {
      def,
      plan,
      fn: makeDecoder(plan, def.strictLength, mode),
      builder: new TableBuilder(plan, initialRows),
      selectors,
      dropColumns: new Set(includeHeader ? [] : header),
    };
  }

  private diag(d: DecodeDiagnostic): void {
    if (this.diagnostics.length < this.maxDiagnostics) this.diagnostics.push(d);
    else this.diagnosticsTruncated = true;
  }

  private statsOf(apid: number): ApidDecodeStats {
    let s = this.stats[apid];
    if (s === undefined) {
      s = { apid, packets: 0, decoded: 0, gaps: 0, missingPackets: 0, duplicates: 0, backwards: 0 };
      this.stats[apid] = s;
    }
    return s;
  }

  private skipped(r: SkippedRange): void {
    const start = r.start + this.base;
    const end = r.end + this.base;
    this.diag({
      offset: start,
      length: end - start,
      kind:
        r.reason === SkipReason.TRUNCATED
          ? 'truncated'
          : r.reason === SkipReason.REJECTED
            ? 'rejected'
            : 'garbage',
      message:
        r.reason === SkipReason.TRUNCATED
          ? 'stream ends inside a packet'
          : r.reason === SkipReason.REJECTED
            ? 'packet failed its check (error control or resynchronisation)'
            : 'octets that do not start a packet',
    });
  }

  /** One framed packet at `b[o .. o + len)`, stream offset `offset`. */
  private packet(b: Uint8Array, o: number, len: number, offset: number): void {
    this.packets++;
    const apid = ((b[o]! & 7) << 8) | b[o + 1]!;
    if (apid === 2047) {
      this.idle++;
      return;
    }
    if (this.filter !== undefined && this.filter[apid] === 0) {
      this.filtered++;
      return;
    }
    const st = this.statsOf(apid);
    st.packets++;
    const b2 = b[o + 2]!;
    const count = ((b2 & 0x3f) << 8) | b[o + 3]!;
    const prev = this.last[apid]!;
    if (prev < 0) this.last[apid] = count;
    else {
      const d = (count - prev) & 0x3fff;
      if (d === 1) this.last[apid] = count;
      else this.sequenceEvent(st, offset, prev, count, d);
    }
    if (this.reassembler !== undefined && (b2 >> 6 !== 3 || this.openGroup[apid] === 1)) {
      this.segment(b, o, len, offset, apid);
      return;
    }
    this.decode(b, o, len, offset, apid, st);
  }

  private sequenceEvent(
    st: ApidDecodeStats,
    offset: number,
    prev: number,
    count: number,
    d: number,
  ): void {
    this.anomalies++;
    if (d === 0) {
      st.duplicates++;
      this.diag({
        offset,
        length: 0,
        kind: 'sequence-duplicate',
        apid: st.apid,
        message: `count ${count} repeated`,
      });
    } else if (d <= 8192) {
      st.gaps++;
      st.missingPackets += d - 1;
      this.last[st.apid] = count;
      this.diag({
        offset,
        length: 0,
        kind: 'sequence-gap',
        apid: st.apid,
        message: `count ${prev} -> ${count}: ${d - 1} packet(s) missing`,
      });
    } else {
      st.backwards++;
      this.diag({
        offset,
        length: 0,
        kind: 'sequence-backwards',
        apid: st.apid,
        message: `count ${count} after ${prev}`,
      });
    }
  }

  private segment(b: Uint8Array, o: number, len: number, offset: number, apid: number): void {
    const packet = b.subarray(o, o + len);
    const header = decodeSpacePacketHeader(packet, 0);
    if (header.sequenceFlags === 1) this.firstHeader[apid] = packet.slice(0, 6);
    const results = this.reassembler!.push({ header, packetDataField: packet.subarray(6) });
    for (const r of results) {
      if (r.kind === 'pending') {
        this.openGroup[apid] = 1;
      } else if (r.kind === 'aborted') {
        this.openGroup[apid] = 0;
        this.aborted++;
        this.diag({
          offset,
          length: r.discardedOctets,
          kind: 'segment-aborted',
          apid,
          message: r.reason,
        });
      } else {
        this.openGroup[apid] = 0;
        if (r.segments === 1) this.decode(b, o, len, offset, apid, this.statsOf(apid));
        else {
          const full = new Uint8Array(6 + r.userData.length);
          full.set(this.firstHeader[apid] ?? packet.subarray(0, 6));
          full[2] = full[2]! | 0xc0;
          const dl = Math.min(65535, r.userData.length - 1);
          full[4] = dl >> 8;
          full[5] = dl & 0xff;
          full.set(r.userData, 6);
          this.decode(full, 0, full.length, offset, apid, this.statsOf(apid));
        }
      }
    }
  }

  private select(b: Uint8Array, o: number, len: number, apid: number): Compiled | undefined {
    const list = this.candidates[apid] ?? this.anyCandidates;
    if (list === undefined) return undefined;
    const bits = len * 8;
    outer: for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      for (const s of c.selectors) {
        if (s.field.bit + s.field.bits > bits) continue outer;
        if (!compare(readSelector(s.field, b, o), s.op, s.value)) continue outer;
      }
      return c;
    }
    return undefined;
  }

  private decode(
    b: Uint8Array,
    o: number,
    len: number,
    offset: number,
    apid: number,
    st: ApidDecodeStats,
  ): void {
    const c = this.select(b, o, len, apid);
    if (c === undefined) {
      this.undecoded++;
      if (this.noDefinitionSeen[apid] === 0) {
        this.noDefinitionSeen[apid] = 1;
        this.diag({
          offset,
          length: len,
          kind: 'no-definition',
          apid,
          message: `no definition matches APID ${apid} (first such packet)`,
        });
      }
      return;
    }
    const bl = c.builder;
    bl.ensureRow();
    let status: number;
    try {
      status = c.fn(b, o, len, bl.rows, bl.cols);
    } catch (e) {
      if (!(e instanceof CcsdsError)) throw e;
      status = DecodeStatus.ARRAY_OVERRUN;
    }
    if (status !== DecodeStatus.OK) {
      this.rejected++;
      this.diag({
        offset,
        length: len,
        kind: STATUS_KIND[status]!,
        apid,
        definition: c.def.name,
        message: `${STATUS_TEXT[status]!} (${len} octets)`,
      });
      return;
    }
    bl.offsets[bl.rows] = offset;
    bl.rows++;
    st.decoded++;
    this.decoded++;
    if (bl.rows >= this.batchRows) this.emit(c);
  }

  private finishTable(c: Compiled, reset: boolean): DecodedTable {
    const raw = c.builder.finish(c.def.name, reset);
    this.rowsPer.set(c.def.name, (this.rowsPer.get(c.def.name) ?? 0) + raw.rows);
    const t = applyConverters(raw, c.def.converters, (row, conv, message) => {
      this.conversionErrors++;
      this.diag({
        offset: raw.packetOffsets[row] ?? 0,
        length: 0,
        kind: 'conversion',
        definition: c.def.name,
        message: `${conv}: ${message}`,
      });
    });
    return c.dropColumns.size === 0
      ? t
      : { ...t, columns: t.columns.filter((x) => !c.dropColumns.has(x.name)) };
  }

  private emit(c: Compiled): void {
    this.onBatch(this.finishTable(c, true));
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'push after end');
    this.reader.push(chunk);
  }

  /**
   * Decodes a whole in-memory stream (then ends it): packets are framed in place without
   * copying while the stream is in step; the resynchronising reader takes over from the first
   * anomaly. Equivalent to `push(bytes); end()`.
   */
  pushAll(bytes: Uint8Array): void {
    if (this.ended) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'push after end');
    if (this.reader.position !== 0) {
      this.push(bytes);
      this.end();
      return;
    }
    const f = this.framer;
    const n = bytes.length;
    let off = 0;
    while (off < n) {
      const len = f.probe(bytes, off, n);
      if (len <= 0 || off + len > n) break;
      if (f.accept !== undefined && !f.accept(bytes.subarray(off, off + len))) break;
      this.packet(bytes, off, len, off);
      off += len;
    }
    this.base = off;
    this.fastOctets = off;
    if (off < n) this.reader.push(off === 0 ? bytes : bytes.subarray(off));
    this.end();
  }

  /** Emits every partial batch now (e.g. to hand rows on in stream order after each chunk). */
  flush(): void {
    for (const c of this.compiled) if (c.builder.rows > 0) this.emit(c);
  }

  /** Ends the stream: a partial packet left over is reported; remaining rows are emitted. */
  end(): void {
    if (this.ended) return;
    this.reader.end();
    this.ended = true;
    if (this.reassembler !== undefined) {
      for (const r of this.reassembler.flush()) {
        if (r.kind !== 'aborted') continue;
        this.aborted++;
        this.diag({
          offset: this.octets,
          length: r.discardedOctets,
          kind: 'segment-aborted',
          apid: r.apid,
          message: r.reason,
        });
      }
    }
    this.flush();
  }

  private get octets(): number {
    return this.fastOctets + this.reader.position;
  }

  /** Empty tables of every selectable definition (column names and types without rows). */
  emptyTables(): Map<string, DecodedTable> {
    const out = new Map<string, DecodedTable>();
    for (const c of this.compiled) {
      const b = new TableBuilder(c.plan, 16);
      const t = applyConverters(b.finish(c.def.name, false), c.def.converters);
      out.set(
        c.def.name,
        c.dropColumns.size === 0
          ? t
          : { ...t, columns: t.columns.filter((x) => !c.dropColumns.has(x.name)) },
      );
    }
    return out;
  }

  /** The report so far (complete after `end()`). */
  report(): DecodeReport {
    const skippedOctets = this.reader.skippedOctets;
    const definitions: Record<string, number> = {};
    for (const c of this.compiled) definitions[c.def.name] = this.rowsPer.get(c.def.name) ?? 0;
    return {
      ok:
        skippedOctets === 0 &&
        this.rejected === 0 &&
        this.undecoded === 0 &&
        this.anomalies === 0 &&
        this.aborted === 0 &&
        this.conversionErrors === 0,
      octets: this.octets,
      packets: this.packets,
      decoded: this.decoded,
      idlePackets: this.idle,
      filtered: this.filtered,
      undecoded: this.undecoded,
      rejected: this.rejected,
      skippedOctets,
      sequenceAnomalies: this.anomalies,
      segmentsAborted: this.aborted,
      conversionErrors: this.conversionErrors,
      definitions,
      apids: this.stats.filter((s) => s !== undefined),
      diagnostics: this.diagnostics.slice(),
      diagnosticsTruncated: this.diagnosticsTruncated,
    };
  }
}

function collect(decoder: TelemetryDecoder, parts: Map<string, DecodedTable[]>): DecodeResult {
  const tables = decoder.emptyTables();
  for (const [name, list] of parts) tables.set(name, concatTables(list));
  return { tables, report: decoder.report() };
}

function collector(): { parts: Map<string, DecodedTable[]>; add: (t: DecodedTable) => void } {
  const parts = new Map<string, DecodedTable[]>();
  return {
    parts,
    add: (t) => {
      const l = parts.get(t.definition);
      if (l === undefined) parts.set(t.definition, [t]);
      else l.push(t);
    },
  };
}

/**
 * Decodes an in-memory packet stream (a file's contents, one or many APIDs) into one table per
 * definition, with a report. The whole input is decoded in one pass; garbage, truncation and
 * undecodable packets appear in the report, never as rows.
 */
export function decodePackets(
  bytes: Uint8Array,
  definitions: Definitions,
  options: DecodeOptions = {},
): DecodeResult {
  const { parts, add } = collector();
  const d = new TelemetryDecoder(definitions, { batchRows: Infinity, ...options }, add);
  d.pushAll(bytes);
  return collect(d, parts);
}

/** A source of octet chunks: a Node.js stream or socket, a `ReadableStream`, an array. */
export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Decodes a whole stream into one table per definition (the streaming form of {@link decodePackets}). */
export async function decodeStream(
  source: ChunkSource,
  definitions: Definitions,
  options: DecodeOptions = {},
): Promise<DecodeResult> {
  const { parts, add } = collector();
  const d = new TelemetryDecoder(definitions, options, add);
  for await (const chunk of source) d.push(chunk);
  d.end();
  return collect(d, parts);
}

/**
 * Column batches as they fill (at most `batchRows` rows each, per definition), with bounded
 * memory whatever the stream's length; returns the report when the stream ends.
 */
export async function* decodeBatches(
  source: ChunkSource,
  definitions: Definitions,
  options: DecodeOptions = {},
): AsyncGenerator<DecodedTable, DecodeReport> {
  let queue: DecodedTable[] = [];
  const d = new TelemetryDecoder(definitions, options, (t) => queue.push(t));
  for await (const chunk of source) {
    d.push(chunk);
    if (queue.length > 0) {
      const q = queue;
      queue = [];
      yield* q;
    }
  }
  d.end();
  yield* queue;
  return d.report();
}

/** One decoded packet as a record. */
export interface DecodedRecord {
  /** The definition that decoded it. */
  definition: string;
  /** Stream offset of the packet. */
  offset: number;
  /** Column values (arrays as typed-array views or lists). */
  values: Record<string, unknown>;
}

/**
 * One record per decoded packet, in stream order across definitions, as soon as the chunk that
 * completes the packet has arrived (live decoding from a socket); returns the report.
 */
export async function* decodeRecords(
  source: ChunkSource,
  definitions: Definitions,
  options: DecodeOptions = {},
): AsyncGenerator<DecodedRecord, DecodeReport> {
  let queue: DecodedTable[] = [];
  const d = new TelemetryDecoder(definitions, { ...options, batchRows: Infinity }, (t) =>
    queue.push(t),
  );
  const drain = function* (): Generator<DecodedRecord> {
    const recs: DecodedRecord[] = [];
    for (const t of queue) {
      for (let r = 0; r < t.rows; r++)
        recs.push({
          definition: t.definition,
          offset: t.packetOffsets[r]!,
          values: rowObject(t, r),
        });
    }
    queue = [];
    recs.sort((a, b) => a.offset - b.offset);
    yield* recs;
  };
  for await (const chunk of source) {
    d.push(chunk);
    d.flush();
    yield* drain();
  }
  d.end();
  yield* drain();
  return d.report();
}
