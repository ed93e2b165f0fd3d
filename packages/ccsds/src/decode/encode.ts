/**
 * Builds Space Packets (CCSDS 133.0-B-2 §4.1) from values according to a telemetry definition —
 * the inverse of the decoders, for tests and simulators. Sequence counts are kept per APID and
 * wrap modulo 16,384; equality criteria of a definition are filled in when a value is not given.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import {
  type PacketType,
  SequenceCounter,
  type SequenceFlags,
  writeSpacePacketHeader,
} from '../spp/index.js';
import { type FieldPlan, type LayoutPlan, PositionBase, planLayout } from './layout.js';
import { toDouble, toHalf, toMil1750a32, toMil1750a48, toSingle } from './read.js';
import { type Definitions, type ResolvedDefinition, toRegistry } from './registry.js';

/** Primary header values for {@link encodeTelemetryPacket}. */
export interface EncodeHeader {
  /** APID (default: the definition's first APID). */
  apid?: number;
  /** Sequence count (default 0; {@link PacketEncoder} counts). */
  sequenceCount?: number;
  packetType?: PacketType;
  secondaryHeaderFlag?: boolean;
  sequenceFlags?: SequenceFlags;
}

function bad(message: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** Writes an unsigned value of 1..53 bits MSB-first at bit `pos`. */
function putBits(out: Uint8Array, pos: number, w: number, value: number): void {
  let v = value;
  let left = w;
  let at = pos;
  while (left > 0) {
    const i = at >> 3;
    const s = at & 7;
    const take = Math.min(8 - s, left);
    const div = 2 ** (left - take);
    const chunk = Math.floor(v / div);
    v -= chunk * div;
    const shift = 8 - s - take;
    const mask = ((1 << take) - 1) << shift;
    out[i] = (out[i]! & ~mask) | ((chunk << shift) & mask);
    at += take;
    left -= take;
  }
}

function putBig(out: Uint8Array, pos: number, w: number, v: bigint): void {
  if (w <= 32) return putBits(out, pos, w, Number(v));
  putBits(out, pos, w - 32, Number(v >> 32n));
  putBits(out, pos + w - 32, 32, Number(v & 0xffffffffn));
}

/** Octets of `v` (unsigned, `n` octets) in significance order. */
function octetsOf(v: bigint, n: number): number[] {
  const out = new Array<number>(n);
  for (let k = n - 1; k >= 0; k--) {
    out[k] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function toInteger(f: FieldPlan, value: unknown): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isInteger(value)) v = BigInt(value);
  else if (typeof value === 'boolean') v = value ? 1n : 0n;
  else bad(`${f.name}: ${String(value)} is not an integer`);
  const w = BigInt(f.bits);
  if (f.type === 'int') {
    if (v < -(1n << (w - 1n)) || v >= 1n << (w - 1n))
      bad(`${f.name}: ${v} does not fit ${f.bits} signed bits`);
    return BigInt.asUintN(f.bits, v);
  }
  if (v < 0n || v >= 1n << w) bad(`${f.name}: ${v} does not fit ${f.bits} bits`);
  return v;
}

function rawBits(f: FieldPlan, value: unknown): bigint {
  if (f.type !== 'float') return toInteger(f, value ?? 0);
  const x = Number(value ?? 0);
  if (f.floatFormat === 'mil-std-1750a')
    return BigInt(f.bits === 32 ? toMil1750a32(x) : toMil1750a48(x));
  if (f.bits === 16) return BigInt(toHalf(x));
  if (f.bits === 32) return BigInt(toSingle(x));
  const [hi, lo] = toDouble(x);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function writeElement(out: Uint8Array, f: FieldPlan, pos: number, value: unknown): void {
  if (f.type === 'str') {
    const n = f.bits / 8;
    const text = String(value ?? '');
    const bytes =
      f.encoding === 'latin1'
        ? Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)
        : new TextEncoder().encode(text);
    if (bytes.length > n) bad(`${f.name}: text longer than ${n} octets`);
    for (let k = 0; k < n; k++) putBits(out, pos + 8 * k, 8, bytes[k] ?? 0);
    return;
  }
  const raw = rawBits(f, value);
  if (f.significance === undefined) return putBig(out, pos, f.bits, raw);
  const octets = octetsOf(raw, f.bits / 8);
  f.significance.forEach((rank, j) => putBits(out, pos + 8 * j, 8, octets[rank]!));
}

function elementsOf(f: FieldPlan, value: unknown): unknown[] {
  if (value === undefined) return [];
  if (typeof value === 'object' && value !== null && Symbol.iterator in value)
    return [...(value as Iterable<unknown>)];
  bad(`${f.name}: an array value is needed`);
}

/** Encodes one packet of a resolved definition (see {@link PacketEncoder} for the usual entry point). */
export function encodeWithPlan(
  def: ResolvedDefinition,
  plan: LayoutPlan,
  values: Readonly<Record<string, unknown>>,
  header: EncodeHeader = {},
): Uint8Array {
  const vals: Record<string, unknown> = { ...values };
  const hdr: EncodeHeader = { ...header };
  for (const c of def.conditions) {
    if ((c.op ?? '==') !== '==') continue;
    if (c.field === 'CCSDS_PACKET_TYPE') hdr.packetType ??= Number(c.value) as PacketType;
    else if (c.field === 'CCSDS_SECONDARY_FLAG') hdr.secondaryHeaderFlag ??= Number(c.value) === 1;
    else if (c.field === 'CCSDS_APID') hdr.apid ??= Number(c.value);
    else if (!(c.field in vals)) vals[c.field] = c.value;
  }
  // Element counts and the count fields of ref arrays.
  const counts = new Map<FieldPlan, number>();
  for (const f of plan.fields) {
    if (f.kind === 'ref' || f.kind === 'expand') {
      const n = f.type === 'fill' ? Number(vals[f.name] ?? 0) : elementsOf(f, vals[f.name]).length;
      counts.set(f, n);
      if (f.kind === 'ref') {
        const rf = plan.fields[f.ref]!;
        if (vals[rf.name] === undefined) vals[rf.name] = n;
        else if (Number(vals[rf.name]) !== n)
          bad(`${rf.name} is ${String(vals[rf.name])} but ${f.name} has ${n} elements`);
      }
    }
  }
  // Positions.
  const positions = new Map<FieldPlan, number>();
  let p = 0;
  let e = -1;
  let maxEnd = Math.max(plan.staticEnd, 56);
  for (const f of plan.fields) {
    const size =
      f.kind === 'scalar'
        ? f.bits
        : f.kind === 'fixed'
          ? f.bits * f.elements
          : f.bits * counts.get(f)!;
    let pos: number;
    if (f.base === PositionBase.START) pos = f.bit;
    else if (f.base === PositionBase.CURSOR) pos = p + f.bit;
    else pos = -f.bit; // resolved below once the end is known
    positions.set(f, pos);
    if (f.kind === 'ref') p = pos + size;
    if (f.kind === 'expand') e = pos + size + f.after;
    if (f.base !== PositionBase.END)
      maxEnd = Math.max(maxEnd, pos + size + (f.kind === 'ref' ? f.after : 0));
  }
  const totalBits = Math.max(maxEnd, e);
  const total = Math.ceil(totalBits / 8);
  if (total > 6 + 65536) bad(`packet of ${total} octets is too long`);
  const end = e >= 0 ? e : total * 8;
  const out = new Uint8Array(total);
  const apid = hdr.apid ?? def.apids?.[0];
  if (apid === undefined) bad(`${def.name}: give an APID`);
  for (const f of plan.fields) {
    let pos = positions.get(f)!;
    if (f.base === PositionBase.END) pos = end + pos;
    if (f.type === 'fill' || f.header) continue;
    const v = vals[f.name];
    if (f.kind === 'scalar') writeElement(out, f, pos, v);
    else {
      const list = elementsOf(f, v);
      const n = f.kind === 'fixed' ? f.elements : counts.get(f)!;
      if (f.kind === 'fixed' && list.length !== 0 && list.length !== n)
        bad(`${f.name}: ${n} elements needed, ${list.length} given`);
      for (let k = 0; k < n; k++) {
        const idx = f.perm === undefined ? k : f.perm[k]!;
        writeElement(out, f, pos + k * f.bits, list[idx] ?? 0);
      }
    }
  }
  writeSpacePacketHeader(out, 0, {
    packetVersionNumber: 0,
    packetType: hdr.packetType ?? 0,
    secondaryHeaderFlag: hdr.secondaryHeaderFlag ?? false,
    apid,
    sequenceFlags: hdr.sequenceFlags ?? 3,
    packetSequenceCount: hdr.sequenceCount ?? 0,
    packetDataLength: total - 7,
  });
  return out;
}

/**
 * Builds packets of named definitions, counting sequence numbers per APID (wrapping from 16,383
 * to 0). Missing values encode as zero (empty text, empty arrays).
 */
export class PacketEncoder {
  private readonly defs = new Map<string, { def: ResolvedDefinition; plan: LayoutPlan }>();
  private readonly counter = new SequenceCounter();

  /** @param definitions - the definitions packets are built from */
  constructor(definitions: Definitions) {
    for (const def of toRegistry(definitions).resolveAll()) {
      this.defs.set(def.name, { def, plan: planLayout(def.fields) });
    }
  }

  /** Encodes a packet of definition `name`; the sequence count is the APID's next unless given. */
  encode(
    name: string,
    values: Readonly<Record<string, unknown>>,
    header: EncodeHeader = {},
  ): Uint8Array {
    const d = this.defs.get(name);
    if (d === undefined) bad(`no definition named ${name}`);
    const apid = header.apid ?? d.def.apids?.[0];
    const h: EncodeHeader = { ...header };
    if (h.sequenceCount === undefined && apid !== undefined)
      h.sequenceCount = this.counter.take(apid);
    return encodeWithPlan(d.def, d.plan, values, h);
  }
}

/** Encodes one packet of a definition (sequence count from `header`, default 0). */
export function encodeTelemetryPacket(
  definitions: Definitions,
  name: string,
  values: Readonly<Record<string, unknown>>,
  header: EncodeHeader = {},
): Uint8Array {
  const def = toRegistry(definitions).get(name);
  if (def === undefined) bad(`no definition named ${name}`);
  return encodeWithPlan(def, planLayout(def.fields), values, header);
}
