/**
 * An XTCE subset (XML Telemetric and Command Exchange, CCSDS 660.0-B-2 / OMG XTCE 1.2) for Space
 * Packet telemetry: `SequenceContainer`s with `BaseContainer` inheritance and
 * `RestrictionCriteria` (`Comparison`, `ComparisonList`), `ParameterRefEntry` entries (with
 * `LocationInContainerInBits` from the container start or the previous entry), and the
 * parameter types Integer, Float (IEEE 754 and MIL-STD-1750A), String, Binary, Boolean,
 * Enumerated and AbsoluteTime, with `PolynomialCalibrator`s.
 *
 * A root container whose entries start with the 48 bits of a Space Packet primary header is read
 * as starting at the packet's first bit; any other root container starts after the primary
 * header. A restriction on the 11-bit APID entry becomes the definition's APID. Calibrated,
 * enumerated and time values are added as columns named `<parameter>_eu`.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type {
  Condition,
  ConditionOperator,
  ConverterDefinition,
  FieldDefinition,
  PacketDefinition,
} from './definition.js';

/** An XML element of the small parser below. */
export interface XmlElement {
  /** Local name (namespace prefix removed). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data. */
  text: string;
}

function bad(message: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `XTCE: ${message}`);
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x'))
      return String.fromCodePoint(Math.min(0x10ffff, parseInt(e.slice(2), 16)));
    if (e.startsWith('#'))
      return String.fromCodePoint(Math.min(0x10ffff, parseInt(e.slice(1), 10)));
    return ENTITIES[e] ?? m;
  });
}

const local = (n: string): string => n.slice(n.indexOf(':') + 1);

/** Parses XML into elements (no DTDs; nesting at most 256 deep). Throws `INVALID_ARGUMENT`. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += unescape(text.slice(i));
      break;
    }
    if (lt > i) top.text += unescape(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) bad('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) bad('unterminated CDATA');
      top.text += text.slice(lt + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) bad('unterminated declaration');
      i = end + 1;
    } else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) bad('unterminated end tag');
      const name = local(text.slice(lt + 2, end).trim());
      if (stack.length < 2 || top.name !== name) bad(`unexpected </${name}>`);
      stack.pop();
      i = end + 1;
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(lt, lt + 256));
      if (m === null) bad(`bad tag at ${lt}`);
      let j = lt + m[0].length;
      const el: XmlElement = { name: local(m[1]!), attributes: {}, children: [], text: '' };
      const attr = /\s*([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;
      for (;;) {
        attr.lastIndex = j;
        const a = attr.exec(text);
        if (a === null) break;
        el.attributes[local(a[1]!)] = unescape(a[3] ?? a[4] ?? '');
        j = attr.lastIndex;
      }
      while (j < n && /\s/.test(text[j]!)) j++;
      top.children.push(el);
      if (text.startsWith('/>', j)) i = j + 2;
      else if (text[j] === '>') {
        if (stack.length > 256) bad('nesting too deep');
        stack.push(el);
        i = j + 1;
      } else bad(`bad tag <${el.name}>`);
    }
  }
  if (stack.length !== 1) bad(`unclosed <${stack[stack.length - 1]!.name}>`);
  return root;
}

function child(e: XmlElement | undefined, name: string): XmlElement | undefined {
  return e?.children.find((c) => c.name === name);
}

function children(e: XmlElement | undefined, name: string): XmlElement[] {
  return e === undefined ? [] : e.children.filter((c) => c.name === name);
}

function all(e: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of e.children) {
    if (c.name === name) out.push(c);
    all(c, name, out);
  }
  return out;
}

function int(v: string | undefined, what: string, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) bad(`${what} missing`);
    return dflt;
  }
  if (!/^\s*-?\d+\s*$/.test(v)) bad(`${what} is not an integer: ${v}`);
  return Number(v);
}

/** Size in bits of a `SizeInBits`-style element (`Fixed/FixedValue` or `FixedValue`). */
function sizeInBits(e: XmlElement | undefined, what: string): number {
  const s = child(e, 'SizeInBits');
  const fv = child(child(s, 'Fixed'), 'FixedValue') ?? child(s, 'FixedValue');
  if (fv !== undefined) return int(fv.text.trim(), `${what} size`);
  if (e?.attributes['sizeInBits'] !== undefined)
    return int(e.attributes['sizeInBits'], `${what} size`);
  return bad(`${what}: only fixed sizes are supported`);
}

interface TypeInfo {
  field: Omit<FieldDefinition, 'name'>;
  converter?: (name: string) => ConverterDefinition;
  enumeration?: Map<string, number>;
}

function polynomial(e: XmlElement | undefined): number[] | undefined {
  const p = all(
    e ?? { name: '', attributes: {}, children: [], text: '' },
    'PolynomialCalibrator',
  )[0];
  if (p === undefined) return undefined;
  const coeffs: number[] = [];
  for (const t of children(p, 'Term')) {
    const k = int(t.attributes['exponent'], 'Term exponent');
    if (k < 0 || k > 16) bad('polynomial exponents must be 0..16');
    while (coeffs.length <= k) coeffs.push(0);
    coeffs[k] = Number(t.attributes['coefficient'] ?? '0');
  }
  return coeffs;
}

function integerEncoding(e: XmlElement, what: string): Omit<FieldDefinition, 'name'> {
  const bits = int(e.attributes['sizeInBits'], `${what} sizeInBits`, 8);
  const enc = e.attributes['encoding'] ?? 'unsigned';
  if (enc !== 'unsigned' && enc !== 'twosComplement')
    bad(`${what}: integer encoding ${enc} is not supported`);
  const f: Omit<FieldDefinition, 'name'> = { type: enc === 'unsigned' ? 'uint' : 'int', bits };
  if (e.attributes['byteOrder'] === 'leastSignificantByteFirst') f.byteOrder = 'little';
  return f;
}

/** XTCE named epochs as TAI dates (the 1970 one with TAI-UTC of 8.000082 s then). */
const EPOCHS: Record<string, string> = {
  TAI: '1958-01-01T00:00:00',
  J2000: '2000-01-01T11:59:27.816',
  UNIX: '1970-01-01T00:00:08.000082',
  POSIX: '1970-01-01T00:00:08.000082',
  GPS: '1980-01-06T00:00:19',
};

function typeInfo(t: XmlElement): TypeInfo {
  const what = `${t.name} ${t.attributes['name'] ?? ''}`;
  const intEnc = child(t, 'IntegerDataEncoding');
  const calibrated = (f: Omit<FieldDefinition, 'name'>): TypeInfo => {
    const coeffs = polynomial(intEnc) ?? polynomial(child(t, 'FloatDataEncoding'));
    const unit = child(child(t, 'UnitSet'), 'Unit')?.text.trim();
    const field = unit === undefined || unit === '' ? f : { ...f, unit };
    return coeffs === undefined
      ? { field }
      : {
          field,
          converter: (name) => ({
            kind: 'polynomial',
            output: `${name}_eu`,
            input: name,
            coefficients: coeffs,
          }),
        };
  };
  switch (t.name) {
    case 'IntegerParameterType':
    case 'BooleanParameterType': {
      if (intEnc === undefined) {
        const bits = int(
          t.attributes['sizeInBits'],
          `${what} sizeInBits`,
          t.name === 'BooleanParameterType' ? 8 : 32,
        );
        return calibrated({
          type:
            t.attributes['signed'] === 'false' || t.name === 'BooleanParameterType'
              ? 'uint'
              : 'int',
          bits,
        });
      }
      return calibrated(integerEncoding(intEnc, what));
    }
    case 'FloatParameterType': {
      const fe = child(t, 'FloatDataEncoding');
      if (fe !== undefined) {
        const bits = int(fe.attributes['sizeInBits'], `${what} sizeInBits`, 32);
        const enc = fe.attributes['encoding'] ?? 'IEEE754_1985';
        const f: Omit<FieldDefinition, 'name'> = { type: 'float', bits };
        if (enc === 'MILSTD_1750A') f.floatFormat = 'mil-std-1750a';
        else if (enc !== 'IEEE754_1985' && enc !== 'IEEE754')
          bad(`${what}: float encoding ${enc} is not supported`);
        if (fe.attributes['byteOrder'] === 'leastSignificantByteFirst') f.byteOrder = 'little';
        return calibrated(f);
      }
      if (intEnc !== undefined) return calibrated(integerEncoding(intEnc, what));
      return bad(`${what}: no data encoding`);
    }
    case 'EnumeratedParameterType': {
      if (intEnc === undefined) bad(`${what}: needs an IntegerDataEncoding`);
      const values: Record<string, string> = {};
      const enumeration = new Map<string, number>();
      for (const en of all(t, 'Enumeration')) {
        const v = int(en.attributes['value'], `${what} enumeration value`);
        const label = en.attributes['label'] ?? bad(`${what}: enumeration without label`);
        values[String(v)] = label;
        enumeration.set(label, v);
      }
      return {
        field: integerEncoding(intEnc, what),
        enumeration,
        converter: (name) => ({ kind: 'enum', output: `${name}_eu`, input: name, values }),
      };
    }
    case 'StringParameterType': {
      const se = child(t, 'StringDataEncoding');
      const bits = sizeInBits(se, what);
      const enc = se?.attributes['encoding'];
      return {
        field: {
          type: 'str',
          bits,
          ...(enc === 'US-ASCII' || enc === 'ISO-8859-1' ? { encoding: 'latin1' as const } : {}),
        },
      };
    }
    case 'BinaryParameterType':
      return { field: { type: 'bytes', bits: sizeInBits(child(t, 'BinaryDataEncoding'), what) } };
    case 'AbsoluteTimeParameterType': {
      const enc = child(t, 'Encoding');
      const ie = child(enc, 'IntegerDataEncoding');
      if (enc === undefined || ie === undefined) bad(`${what}: needs Encoding/IntegerDataEncoding`);
      const scale = Number(enc.attributes['scale'] ?? '1');
      const offset = Number(enc.attributes['offset'] ?? '0');
      const units = enc.attributes['units'] ?? 'seconds';
      if (units !== 'seconds') bad(`${what}: time units ${units} are not supported`);
      const epochText = child(child(t, 'ReferenceTime'), 'Epoch')?.text.trim() ?? 'TAI';
      const epoch = EPOCHS[epochText] ?? epochText.replace(/Z$/, '');
      const utc = !(epochText in EPOCHS) && epochText.endsWith('Z');
      return {
        field: integerEncoding(ie, what),
        converter: (name) => ({
          kind: 'time',
          output: `${name}_eu`,
          inputs: [name],
          units: [scale],
          epoch,
          epochScale: utc ? 'UTC' : 'TAI',
          ...(offset === 0 ? {} : { offset }),
        }),
      };
    }
    default:
      return bad(`${what}: parameter type not supported`);
  }
}

const OPS: Record<string, ConditionOperator> = {
  '==': '==',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '&lt;': '<',
  '&lt;=': '<=',
  '&gt;': '>',
  '&gt;=': '>=',
};

/** Options of {@link loadXtceDefinitions}. */
export interface XtceOptions {
  /** Also return abstract containers (as abstract definitions; default true: children need them). */
  includeAbstract?: boolean;
}

/**
 * Reads packet definitions from an XTCE document (see the module comment for the subset).
 * Throws `INVALID_ARGUMENT` for malformed XML, unsupported constructs and dangling references.
 */
export function loadXtceDefinitions(xml: string, _options: XtceOptions = {}): PacketDefinition[] {
  const doc = parseXml(xml);
  const types = new Map<string, TypeInfo>();
  const typeSets = all(doc, 'ParameterTypeSet');
  for (const set of typeSets)
    for (const t of set.children) {
      const name = t.attributes['name'];
      if (name !== undefined) types.set(name, typeInfo(t));
    }
  const params = new Map<string, TypeInfo>();
  for (const p of all(doc, 'Parameter')) {
    const name = p.attributes['name'];
    const ref = p.attributes['parameterTypeRef'];
    if (name === undefined || ref === undefined) continue;
    const t = types.get(ref) ?? types.get(ref.slice(ref.lastIndexOf('/') + 1));
    if (t === undefined) bad(`parameter ${name}: unknown type ${ref}`);
    params.set(name, t);
  }
  const containers = all(doc, 'SequenceContainer');
  const byName = new Map(containers.map((c) => [c.attributes['name'] ?? '', c]));
  const defs: PacketDefinition[] = [];
  const isRootWithHeader = new Map<string, boolean>();
  for (const c of containers) {
    const name = c.attributes['name'];
    if (name === undefined) bad('a SequenceContainer without name');
    const base = child(c, 'BaseContainer');
    const parentRef = base?.attributes['containerRef'];
    const parent =
      parentRef === undefined ? undefined : parentRef.slice(parentRef.lastIndexOf('/') + 1);
    if (parent !== undefined && !byName.has(parent))
      bad(`${name}: unknown base container ${parentRef}`);
    const fields: FieldDefinition[] = [];
    const converters: ConverterDefinition[] = [];
    const entries = children(child(c, 'EntryList'), 'ParameterRefEntry');
    for (const e of entries) {
      const pname = e.attributes['parameterRef'] ?? bad(`${name}: entry without parameterRef`);
      const info = params.get(pname) ?? bad(`${name}: unknown parameter ${pname}`);
      const loc = child(e, 'LocationInContainerInBits');
      const field: FieldDefinition = { name: pname, ...info.field };
      if (loc !== undefined) {
        const v = int(child(loc, 'FixedValue')?.text.trim(), `${name}/${pname} location`);
        const ref = loc.attributes['referenceLocation'] ?? 'previousEntry';
        if (ref === 'containerStart') {
          if (parent !== undefined)
            bad(`${name}/${pname}: containerStart locations are supported in root containers only`);
          field.offset = v;
        } else if (ref === 'previousEntry') {
          if (v < 0) bad(`${name}/${pname}: negative gaps are not supported`);
          if (v > 0) fields.push({ name: `${pname}__gap`, type: 'fill', bits: v });
        } else bad(`${name}/${pname}: location reference ${ref} is not supported`);
      }
      fields.push(field);
      if (info.converter !== undefined) converters.push(info.converter(pname));
    }
    // A root container starting with a 48-bit primary header starts at the packet's first bit.
    if (parent === undefined && fields.length > 0 && fields[0]!.offset === undefined) {
      let acc = 0;
      let header = false;
      for (const f of fields) {
        if (f.type === 'fill') break;
        if (acc === 5 && f.bits !== 11) break;
        acc += f.bits;
        if (acc === 48) {
          header = true;
          break;
        }
        if (acc > 48) break;
      }
      if (header) fields[0] = { ...fields[0]!, offset: 0 };
      isRootWithHeader.set(name, header);
    }
    const conditions: Condition[] = [];
    let apid: number | undefined;
    const crit = child(base, 'RestrictionCriteria');
    const comparisons = [
      ...children(crit, 'Comparison'),
      ...children(child(crit, 'ComparisonList'), 'Comparison'),
    ];
    if (crit !== undefined && comparisons.length === 0)
      bad(`${name}: only Comparison and ComparisonList criteria are supported`);
    for (const cmp of comparisons) {
      const field =
        cmp.attributes['parameterRef'] ?? bad(`${name}: comparison without parameterRef`);
      const op =
        OPS[cmp.attributes['comparisonOperator'] ?? '=='] ?? bad(`${name}: unknown operator`);
      const info = params.get(field) ?? bad(`${name}: comparison on unknown parameter ${field}`);
      const text = cmp.attributes['value'] ?? bad(`${name}: comparison without value`);
      let value: number | string;
      if (info.enumeration !== undefined && cmp.attributes['useCalibratedValue'] !== 'false') {
        value =
          info.enumeration.get(text) ??
          (/^-?\d+$/.test(text)
            ? Number(text)
            : bad(`${name}: ${text} is not a label of ${field}`));
      } else value = info.field.type === 'str' ? text : Number(text);
      if (typeof value === 'number' && !Number.isFinite(value))
        bad(`${name}: comparison value ${text} is not a number`);
      conditions.push({ field, op, value });
    }
    const def: PacketDefinition = { name, fields, converters };
    if (parent !== undefined) def.extends = parent;
    if (c.attributes['abstract'] === 'true') def.abstract = true;
    if (conditions.length > 0) def.conditions = conditions;
    if (apid !== undefined) def.apid = apid;
    defs.push(def);
  }
  // APID criteria: a comparison == on the 11-bit field at bits 5..15 of a header-rooted chain.
  const fieldAt = (
    d: PacketDefinition,
    fname: string,
  ): { offset: number; bits: number } | undefined => {
    const chain: PacketDefinition[] = [];
    for (
      let x: PacketDefinition | undefined = d;
      x !== undefined;
      x = defs.find((y) => y.name === x!.extends)
    ) {
      chain.unshift(x);
      if (chain.length > 64) bad('inheritance too deep');
    }
    if (chain[0] === undefined || isRootWithHeader.get(chain[0].name) !== true) return undefined;
    let at = 0;
    for (const f of chain.flatMap((x) => x.fields)) {
      if (f.offset !== undefined) at = f.offset;
      if (f.name === fname) return { offset: at, bits: f.bits };
      at += f.shape === undefined ? f.bits : Number.NaN;
    }
    return undefined;
  };
  for (const d of defs) {
    for (const cond of d.conditions ?? []) {
      const pos = fieldAt(d, cond.field);
      if (
        pos?.offset === 5 &&
        pos.bits === 11 &&
        (cond.op ?? '==') === '==' &&
        typeof cond.value === 'number'
      ) {
        d.apid = cond.value;
      }
    }
  }
  return defs;
}
