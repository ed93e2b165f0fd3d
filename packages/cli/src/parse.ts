/** Parsing of numeric command-line values with clear errors. */
import { CliFailure } from './output.js';

/** Parses a decimal (or 0x hex) integer in [min, max]; exit code 2 on bad input. */
export function parseInteger(text: string, min: number, max: number, name: string): number {
  const v = /^0x[0-9a-f]+$/i.test(text.trim()) ? parseInt(text, 16) : Number(text);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new CliFailure(`${name} must be an integer from ${min} to ${max}, got '${text}'`, 2);
  }
  return v;
}

/** Parses "1,2,5-9" into integers in [min, max]. */
export function parseIntegerList(text: string, min: number, max: number, name: string): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^(\S+?)-(\S+)$/.exec(part);
    if (m !== null) {
      const a = parseInteger(m[1]!, min, max, name);
      const b = parseInteger(m[2]!, a, max, name);
      if (b - a > 65536) throw new CliFailure(`${name}: range ${part} is too long`, 2);
      for (let v = a; v <= b; v++) out.push(v);
    } else out.push(parseInteger(part, min, max, name));
  }
  if (out.length === 0) throw new CliFailure(`${name} needs at least one value`, 2);
  return out;
}
