/**
 * Packet decoding in the browser with the library's portable layers (`ccsds/spp`,
 * `ccsds/decode`): the same definitions as the server, no round trip per packet. Also works out
 * which octets each decoded field came from, for the hex view.
 */
import { decodeSpacePacketHeader } from 'ccsds/spp';
import {
  type PacketDefinition,
  PacketRegistry,
  PRIMARY_HEADER_FIELDS,
  decodePackets,
  loadJsonDefinitions,
  planLayout,
  rowObject,
} from 'ccsds/decode';

/** One decoded field with the octets it occupies. */
export interface DecodedField {
  name: string;
  value: unknown;
  unit: string | undefined;
  /** Octet range [start, end) in the packet, when the field sits at a fixed place. */
  range: [number, number] | undefined;
}

/** A decoded packet. */
export interface DecodedPacket {
  apid: number;
  sequenceCount: number;
  length: number;
  definition: string | undefined;
  fields: DecodedField[];
  error: string | undefined;
}

/** Definitions, compiled once. */
export class BrowserDecoder {
  readonly registry: PacketRegistry;
  private readonly ranges = new Map<string, Map<string, [number, number]>>();
  private readonly units = new Map<string, Map<string, string>>();

  constructor(definitions: unknown) {
    const defs: PacketDefinition[] = loadJsonDefinitions(definitions);
    this.registry = new PacketRegistry(defs);
    for (const d of this.registry.resolveAll()) {
      const m = new Map<string, [number, number]>();
      const u = new Map<string, string>();
      try {
        const plan = planLayout(d.fields);
        for (const f of plan.fields) {
          if (f.base !== 0 || (f.kind !== 'scalar' && f.kind !== 'fixed')) continue;
          m.set(f.name, [f.bit >> 3, (f.bit + f.bits * Math.max(1, f.elements) + 7) >> 3]);
        }
      } catch {
        // a layout that cannot be planned decodes nothing either; no ranges
      }
      for (const f of d.fields) if (f.unit !== undefined) u.set(f.name, f.unit);
      this.ranges.set(d.name, m);
      this.units.set(d.name, u);
    }
  }

  /** Numeric columns per definition (fields and converter outputs), for plotting. */
  numericFields(): {
    definition: string;
    field: string;
    unit: string | undefined;
    /** An engineering value (a converter's output) rather than a raw field. */
    converted: boolean;
  }[] {
    const out: ReturnType<BrowserDecoder['numericFields']> = [];
    for (const d of this.registry.resolveAll()) {
      if (d.abstract) continue;
      for (const f of d.fields)
        if ((f.type === 'uint' || f.type === 'int' || f.type === 'float') && f.shape === undefined)
          out.push({ definition: d.name, field: f.name, unit: f.unit, converted: false });
      for (const c of d.converters)
        if (c.kind === 'linear' || c.kind === 'polynomial')
          out.push({ definition: d.name, field: c.output, unit: undefined, converted: true });
    }
    return out;
  }

  /** Decodes one packet. */
  decode(bytes: Uint8Array): DecodedPacket {
    let apid = -1;
    let seq = -1;
    try {
      const hd = decodeSpacePacketHeader(bytes, 0);
      apid = hd.apid;
      seq = hd.packetSequenceCount;
    } catch (e) {
      return {
        apid,
        sequenceCount: seq,
        length: bytes.length,
        definition: undefined,
        fields: [],
        error: (e as Error).message,
      };
    }
    const header: DecodedField[] = PRIMARY_HEADER_FIELDS.map((f) => ({
      name: f.name,
      value: readBits(bytes, f.offset, f.bits),
      unit: undefined,
      range: [f.offset >> 3, (f.offset + f.bits + 7) >> 3] as [number, number],
    }));
    try {
      const r = decodePackets(bytes, this.registry, { mode: 'interpreted' });
      for (const [name, table] of r.tables) {
        if (table.rows === 0) continue;
        const row = rowObject(table, 0);
        const ranges = this.ranges.get(name);
        const units = this.units.get(name);
        const fields = Object.entries(row).map(([k, v]) => ({
          name: k,
          value: v,
          unit: units?.get(k),
          range: ranges?.get(k),
        }));
        return {
          apid,
          sequenceCount: seq,
          length: bytes.length,
          definition: name,
          fields: [...header, ...fields],
          error: undefined,
        };
      }
      const diag = r.report.diagnostics[0];
      return {
        apid,
        sequenceCount: seq,
        length: bytes.length,
        definition: undefined,
        fields: header,
        error: diag === undefined ? 'no definition for this APID' : diag.message,
      };
    } catch (e) {
      return {
        apid,
        sequenceCount: seq,
        length: bytes.length,
        definition: undefined,
        fields: header,
        error: (e as Error).message,
      };
    }
  }

  /** Decodes a recorded stream (a whole file) into rows of one definition. */
  decodeRecording(
    bytes: Uint8Array,
    definition: string,
  ): { rows: Record<string, unknown>[]; report: string } {
    const r = decodePackets(bytes, this.registry, { mode: 'interpreted' });
    const t = r.tables.get(definition);
    const rows: Record<string, unknown>[] = [];
    if (t !== undefined) for (let i = 0; i < t.rows; i++) rows.push(rowObject(t, i));
    return {
      rows,
      report: `${r.report.packets} packets, ${r.report.decoded} decoded, ${r.report.skippedOctets} octets skipped, ${r.report.sequenceAnomalies} sequence anomalies`,
    };
  }
}

function readBits(b: Uint8Array, offset: number, bits: number): number {
  let v = 0;
  for (let i = 0; i < bits; i++) {
    const bit = offset + i;
    v = v * 2 + ((b[bit >> 3]! >> (7 - (bit & 7))) & 1);
  }
  return v;
}

/** A value as text. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array)
    return Array.from(v, (x) => x.toString(16).padStart(2, '0')).join('');
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<number>).join(', ')}]`;
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  return String(v);
}
