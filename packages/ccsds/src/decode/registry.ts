/**
 * A registry of telemetry packet definitions keyed by APID (CCSDS 133.0-B-2 §4.1.3.3.4) and,
 * beyond the APID, by criteria on header or data fields, with inheritance — the model of XTCE
 * (CCSDS 660.1-G-2) `SequenceContainer`s with `BaseContainer` restriction criteria. A child
 * definition's layout is its parent's fields followed by its own; its criteria are its parent's
 * plus its own; the most derived definition whose criteria hold decodes a packet.
 */
import {
  type Condition,
  type ConverterDefinition,
  type FieldDefinition,
  type PacketDefinition,
  PRIMARY_HEADER_FIELDS,
  invalidDefinition,
} from './definition.js';
import { checkConverter } from './convert.js';

/** A definition with its inheritance resolved. */
export interface ResolvedDefinition {
  /** Name. */
  readonly name: string;
  /** APIDs, or undefined for any APID. */
  readonly apids: readonly number[] | undefined;
  /** Own and inherited criteria. */
  readonly conditions: readonly Condition[];
  /** Inherited fields, then own. */
  readonly fields: readonly FieldDefinition[];
  /** Inherited converters, then own. */
  readonly converters: readonly ConverterDefinition[];
  /** Reject longer packets. */
  readonly strictLength: boolean;
  /** Not selectable by itself. */
  readonly abstract: boolean;
  /** Inheritance depth (0 for a definition without parent). */
  readonly depth: number;
  /** Position in the registry (earlier wins among equals). */
  readonly order: number;
}

const HEADER_NAMES = new Set(PRIMARY_HEADER_FIELDS.map((h) => h.name));

/** Definitions, checked and resolved; see the module comment. */
export class PacketRegistry {
  private readonly defs = new Map<string, PacketDefinition>();
  private resolved: ResolvedDefinition[] | undefined;

  /** @param definitions - initial definitions (any order; parents may come after children) */
  constructor(definitions: readonly PacketDefinition[] = []) {
    for (const d of definitions) this.add(d);
  }

  /** Adds a definition. Throws `INVALID_ARGUMENT` for a duplicate name. */
  add(def: PacketDefinition): this {
    if (typeof def?.name !== 'string' || def.name === '')
      invalidDefinition('a definition needs a name');
    if (this.defs.has(def.name)) invalidDefinition(`definition ${def.name} is defined twice`);
    if (!Array.isArray(def.fields)) invalidDefinition(`${def.name}: fields must be a list`);
    this.defs.set(def.name, def);
    this.resolved = undefined;
    return this;
  }

  /** Names of the definitions, in order. */
  get names(): string[] {
    return [...this.defs.keys()];
  }

  /** Every definition resolved (throws `INVALID_ARGUMENT` on missing parents, cycles, bad fields). */
  resolveAll(): readonly ResolvedDefinition[] {
    if (this.resolved !== undefined) return this.resolved;
    const memo = new Map<string, ResolvedDefinition>();
    const order = new Map([...this.defs.keys()].map((k, i) => [k, i]));
    const visit = (name: string, stack: string[]): ResolvedDefinition => {
      const done = memo.get(name);
      if (done !== undefined) return done;
      const d = this.defs.get(name);
      if (d === undefined)
        invalidDefinition(`${stack.at(-1) ?? '?'} extends unknown definition ${name}`);
      if (stack.includes(name))
        invalidDefinition(`inheritance cycle: ${[...stack, name].join(' -> ')}`);
      const parent = d.extends === undefined ? undefined : visit(d.extends, [...stack, name]);
      if (d.apid !== undefined && typeof d.apid !== 'number' && !Array.isArray(d.apid))
        invalidDefinition(`${name}: apid must be a number or a list`);
      if (d.extends !== undefined && typeof d.extends !== 'string')
        invalidDefinition(`${name}: extends must be a name`);
      if (d.conditions !== undefined && !Array.isArray(d.conditions))
        invalidDefinition(`${name}: conditions must be a list`);
      if (d.converters !== undefined && !Array.isArray(d.converters))
        invalidDefinition(`${name}: converters must be a list`);
      const apids =
        d.apid === undefined
          ? parent?.apids
          : typeof d.apid === 'number'
            ? [d.apid]
            : [...(d.apid as readonly number[])];
      for (const a of apids ?? []) {
        if (!Number.isInteger(a) || a < 0 || a > 2047)
          invalidDefinition(`${name}: APID ${a} out of range 0..2047`);
      }
      const fields = [...(parent?.fields ?? []), ...d.fields];
      const names = new Set<string>();
      for (const f of fields) {
        if (typeof f !== 'object' || f === null || typeof f.name !== 'string')
          invalidDefinition(`${name}: every field needs a name`);
        if (names.has(f.name)) invalidDefinition(`${name}: field ${f.name} is defined twice`);
        if (HEADER_NAMES.has(f.name))
          invalidDefinition(`${name}: ${f.name} is a primary header field name`);
        names.add(f.name);
      }
      for (const c of d.conditions ?? []) {
        if (typeof c !== 'object' || c === null || typeof c.field !== 'string')
          invalidDefinition(`${name}: a condition needs a field`);
        if (!['number', 'bigint', 'string'].includes(typeof c.value))
          invalidDefinition(`${name}: a condition needs a value`);
        if (c.op !== undefined && !['==', '!=', '<', '<=', '>', '>='].includes(c.op))
          invalidDefinition(`${name}: unknown operator ${c.op}`);
      }
      for (const c of d.converters ?? []) checkConverter(c);
      const r: ResolvedDefinition = {
        name,
        apids,
        conditions: [...(parent?.conditions ?? []), ...(d.conditions ?? [])],
        fields,
        converters: [...(parent?.converters ?? []), ...(d.converters ?? [])],
        strictLength: d.strictLength ?? parent?.strictLength ?? false,
        abstract: d.abstract === true,
        depth: parent === undefined ? 0 : parent.depth + 1,
        order: order.get(name)!,
      };
      memo.set(name, r);
      return r;
    };
    this.resolved = [...this.defs.keys()].map((k) => visit(k, []));
    return this.resolved;
  }

  /** The resolved definition named `name`. */
  get(name: string): ResolvedDefinition | undefined {
    return this.resolveAll().find((d) => d.name === name);
  }

  /** Every APID some selectable definition names, or undefined when one matches any APID. */
  apids(): number[] | undefined {
    const out = new Set<number>();
    for (const d of this.resolveAll()) {
      if (d.abstract) continue;
      if (d.apids === undefined) return undefined;
      for (const a of d.apids) out.add(a);
    }
    return [...out].sort((a, b) => a - b);
  }
}

/** Anything that names definitions: one, a list, or a registry. */
export type Definitions = PacketRegistry | PacketDefinition | readonly PacketDefinition[];

/** A registry from any {@link Definitions}. */
export function toRegistry(defs: Definitions): PacketRegistry {
  if (defs instanceof PacketRegistry) return defs;
  return new PacketRegistry(
    Array.isArray(defs) ? (defs as readonly PacketDefinition[]) : [defs as PacketDefinition],
  );
}
