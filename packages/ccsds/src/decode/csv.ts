/**
 * ccsdspy's CSV packet definition format (for Space Packets, CCSDS 133.0-B-2): a header row
 * naming the columns `name, data_type, bit_length` (the 3-column form, offsets follow field
 * order from the end of the primary header) or `name, data_type, bit_length, bit_offset` (the
 * 4-column form; offsets count from the packet start, primary header included), then one row per
 * field. Array syntax in `data_type`: `uint(4)`, `int(12, 24)`, `uint(expand)`, `uint(COUNT)`
 * (length from field COUNT). Extensions read when present: `byte_order`, `array_order`, `unit`,
 * `description`, and the types `bytes` and `float` widths of MIL-STD-1750A via
 * `float_format`.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type { ArrayShape, FieldDefinition, FieldType, PacketDefinition } from './definition.js';

function syntax(line: number, message: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `CSV line ${line}: ${message}`);
}

/** Splits CSV text into rows of cells (quotes, doubled quotes, spaces after commas skipped). */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const cells: string[] = [];
    const startLine = line;
    for (;;) {
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) syntax(startLine, 'unterminated quoted cell');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] !== ' ' && text[i] !== '\t') syntax(line, 'text after a quoted cell');
          i++;
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
        cell = cell.trim();
      }
      cells.push(cell);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    const blank = cells.length === 1 && cells[0] === '';
    if (!blank && !cells[0]!.startsWith('#')) rows.push({ line: startLine, cells });
  }
  return rows;
}

const TYPES = new Set(['uint', 'int', 'float', 'str', 'bytes', 'fill']);

/** Parses a ccsdspy data type such as `uint`, `int(12, 24)`, `uint(expand)` or `uint(COUNT)`. */
export function parseCsvDataType(text: string, line = 0): { type: FieldType; shape?: ArrayShape } {
  const m = /^([a-z]+)\s*(?:\(\s*([^()]*?)\s*\))?$/.exec(text.trim());
  if (m === null || !TYPES.has(m[1]!)) syntax(line, `unknown data type '${text}'`);
  const type = m[1] as FieldType;
  const inner = m[2];
  if (inner === undefined) return { type };
  if (inner === '') syntax(line, `empty array shape in '${text}'`);
  if (inner === 'expand') return { type, shape: 'expand' };
  if (/^\d+(\s*,\s*\d+)*$/.test(inner)) {
    const dims = inner.split(',').map((d) => Number(d.trim()));
    return { type, shape: dims.length === 1 ? dims[0]! : dims };
  }
  if (/^[A-Za-z_][\w.:-]*$/.test(inner)) return { type, shape: inner };
  return syntax(line, `array shape must be integers, expand or a field name: '${text}'`);
}

/** Options of {@link loadCsvDefinition}. */
export interface CsvDefinitionOptions {
  /** Definition name (default `'packet'`). */
  name?: string;
  /** APID(s) the definition applies to (default: any). */
  apid?: number | readonly number[];
}

function integer(text: string, line: number, what: string): number {
  if (!/^\d+$/.test(text)) syntax(line, `${what} must be a non-negative integer, got '${text}'`);
  return Number(text);
}

/** Reads a ccsdspy CSV packet definition (see the module comment). Throws `INVALID_ARGUMENT`. */
export function loadCsvDefinition(
  text: string,
  options: CsvDefinitionOptions = {},
): PacketDefinition {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const head = rows.shift();
  if (head === undefined) syntax(1, 'empty CSV');
  const cols = head.cells.map((c) => c.trim().toLowerCase());
  const at = (name: string): number => cols.indexOf(name);
  for (const req of ['name', 'data_type', 'bit_length']) {
    if (at(req) < 0)
      syntax(
        head.line,
        `missing column ${req} (columns: name, data_type, bit_length[, bit_offset])`,
      );
  }
  const fields: FieldDefinition[] = [];
  for (const { line, cells } of rows) {
    if (cells.length > cols.length)
      syntax(line, `${cells.length} cells for ${cols.length} columns`);
    const cell = (name: string): string | undefined => {
      const i = at(name);
      const v = i < 0 ? undefined : cells[i];
      return v === undefined || v === '' ? undefined : v;
    };
    const name = cell('name');
    if (name === undefined) syntax(line, 'missing name');
    const dt = cell('data_type');
    if (dt === undefined) syntax(line, 'missing data_type');
    const bl = cell('bit_length');
    if (bl === undefined) syntax(line, 'missing bit_length');
    const { type, shape } = parseCsvDataType(dt, line);
    const f: FieldDefinition = { name, type, bits: integer(bl, line, 'bit_length') };
    if (shape !== undefined) f.shape = shape;
    const off = cell('bit_offset');
    if (off !== undefined) f.offset = integer(off, line, 'bit_offset');
    const bo = cell('byte_order');
    if (bo !== undefined) f.byteOrder = bo;
    const ao = cell('array_order');
    if (ao !== undefined) {
      if (ao !== 'C' && ao !== 'F') syntax(line, 'array_order is C or F');
      f.order = ao;
    }
    const ff = cell('float_format');
    if (ff !== undefined) {
      if (ff !== 'ieee' && ff !== 'mil-std-1750a')
        syntax(line, 'float_format is ieee or mil-std-1750a');
      f.floatFormat = ff;
    }
    const unit = cell('unit');
    if (unit !== undefined) f.unit = unit;
    const description = cell('description');
    if (description !== undefined) f.description = description;
    fields.push(f);
  }
  if (fields.length === 0) syntax(head.line, 'no fields');
  const def: PacketDefinition = { name: options.name ?? 'packet', fields };
  if (options.apid !== undefined) def.apid = options.apid;
  return def;
}
