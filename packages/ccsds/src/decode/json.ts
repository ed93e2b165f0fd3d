/**
 * The JSON packet definition format for Space Packet telemetry (CCSDS 133.0-B-2): the
 * {@link PacketDefinition} objects of this module as JSON. The document is a definition, a list
 * of definitions, or `{ "definitions": [...] }`. Every key is checked; unknown keys are errors,
 * so that a misspelt `"byteorder"` does not pass silently. Function converters cannot be
 * written in JSON.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type { PacketDefinition } from './definition.js';

const DEF_KEYS = new Set([
  'name',
  'apid',
  'extends',
  'abstract',
  'conditions',
  'fields',
  'converters',
  'strictLength',
  'description',
]);
const FIELD_KEYS = new Set([
  'name',
  'type',
  'bits',
  'offset',
  'byteOrder',
  'floatFormat',
  'shape',
  'order',
  'encoding',
  'description',
  'unit',
]);
const COND_KEYS = new Set(['field', 'op', 'value']);
const CONV_KEYS: Record<string, Set<string>> = {
  polynomial: new Set(['kind', 'output', 'input', 'coefficients']),
  linear: new Set(['kind', 'output', 'input', 'slope', 'intercept']),
  enum: new Set(['kind', 'output', 'input', 'values', 'unknown']),
  timecode: new Set([
    'kind',
    'output',
    'input',
    'code',
    'pField',
    'agencyEpoch',
    'timeScale',
    'format',
  ]),
  time: new Set(['kind', 'output', 'inputs', 'units', 'epoch', 'epochScale', 'offset', 'format']),
  stringify: new Set(['kind', 'output', 'input', 'format']),
};

function bad(where: string, message: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `${where}: ${message}`);
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(where, 'must be an object');
  return v as Record<string, unknown>;
}

function keys(o: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) bad(where, `unknown key '${k}'`);
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) bad(where, 'must be a list');
  return v;
}

/** Reads definitions from JSON text or an already parsed value. Throws `INVALID_ARGUMENT`. */
export function loadJsonDefinitions(input: string | unknown): PacketDefinition[] {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      bad('JSON', e instanceof Error ? e.message : String(e));
    }
  }
  const defs: unknown[] = Array.isArray(doc)
    ? doc
    : typeof doc === 'object' && doc !== null && 'definitions' in doc
      ? list((doc as { definitions: unknown }).definitions, 'definitions')
      : [doc];
  return defs.map((d, i) => {
    const o = object(d, `definition ${i}`);
    const where = `definition ${typeof o['name'] === 'string' ? o['name'] : i}`;
    keys(o, DEF_KEYS, where);
    if (typeof o['name'] !== 'string') bad(where, 'name must be text');
    list(o['fields'], `${where}.fields`).forEach((f, j) => {
      const fo = object(f, `${where}.fields[${j}]`);
      keys(fo, FIELD_KEYS, `${where}.fields[${j}]`);
      if (
        typeof fo['name'] !== 'string' ||
        typeof fo['type'] !== 'string' ||
        typeof fo['bits'] !== 'number'
      ) {
        bad(`${where}.fields[${j}]`, 'name, type and bits are required');
      }
    });
    if (o['conditions'] !== undefined) {
      list(o['conditions'], `${where}.conditions`).forEach((c, j) =>
        keys(object(c, `${where}.conditions[${j}]`), COND_KEYS, `${where}.conditions[${j}]`),
      );
    }
    if (o['converters'] !== undefined) {
      list(o['converters'], `${where}.converters`).forEach((c, j) => {
        const co = object(c, `${where}.converters[${j}]`);
        const allowed = CONV_KEYS[String(co['kind'])];
        if (allowed === undefined)
          bad(`${where}.converters[${j}]`, `unknown kind '${String(co['kind'])}'`);
        keys(co, allowed, `${where}.converters[${j}]`);
      });
    }
    return o as unknown as PacketDefinition;
  });
}

/** Writes definitions as the JSON format (function converters are left out). */
export function definitionsToJson(defs: readonly PacketDefinition[]): string {
  return JSON.stringify(
    {
      definitions: defs.map((d) => ({
        ...d,
        ...(d.converters === undefined
          ? {}
          : { converters: d.converters.filter((c) => c.kind !== 'function') }),
      })),
    },
    (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v),
    2,
  );
}
