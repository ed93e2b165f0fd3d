/**
 * `ccsds packets decode`: telemetry decoding of Space Packet streams (CCSDS 133.0-B-2) with
 * definitions from a ccsdspy CSV, a JSON file or an XTCE document, into CSV, NDJSON, Apache Arrow
 * (IPC file) or Parquet. CSV and NDJSON are written as packets are decoded (bounded memory);
 * Arrow and Parquet files are assembled in memory from the decoded batches.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { type Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { toHex } from 'ccsds/core';
import {
  type Column,
  type DecodeOptions,
  type DecodeReport,
  type DecodedTable,
  type NumericArray,
  PacketRegistry,
  TelemetryDecoder,
  cellValue,
  loadCsvDefinition,
  loadJsonDefinitions,
  loadXtceDefinitions,
  rowWidth,
} from 'ccsds/decode';
import { BufferedFileWriter, openInput } from './io.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger, parseIntegerList } from './parse.js';

/** Output formats. */
const FORMATS = ['csv', 'ndjson', 'arrow', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

interface DecodeFlags {
  def: string;
  apid?: string;
  format: Format;
  out?: string;
  header?: boolean;
  interpreted?: boolean;
  pec?: boolean;
  strictApids?: boolean;
  maxDiagnostics: string;
  progress?: boolean;
  json?: boolean;
}

/** Loads definitions by file extension (.csv ccsdspy, .json, .xml/.xtce XTCE). */
export function loadDefinitionFile(path: string, apids: number[] | undefined): PacketRegistry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliFailure(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, 2);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') {
    const name = basename(path, extname(path));
    return new PacketRegistry([
      loadCsvDefinition(text, apids === undefined ? { name } : { name, apid: apids }),
    ]);
  }
  if (ext === '.json') return new PacketRegistry(loadJsonDefinitions(text));
  if (ext === '.xml' || ext === '.xtce') return new PacketRegistry(loadXtceDefinitions(text));
  throw new CliFailure(`--def: unknown definition format '${ext}' (use .csv, .json or .xml)`, 2);
}

/** Column headings of a table for flat formats: fixed arrays become NAME[i,j] columns. */
function headings(c: Column): string[] {
  if (c.offsets !== undefined || c.shape.length === 0 || c.type === 'bytes') return [c.name];
  const out: string[] = [];
  const n = rowWidth(c);
  for (let k = 0; k < n; k++) {
    const idx: number[] = [];
    let r = k;
    for (let d = c.shape.length - 1; d >= 0; d--) {
      idx.unshift(r % c.shape[d]!);
      r = Math.floor(r / c.shape[d]!);
    }
    out.push(`${c.name}[${idx.join(',')}]`);
  }
  return out;
}

/** A cell as JSON-compatible data. */
function jsonValue(v: unknown, c: Column): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array && c.type === 'bytes') return toHex(v);
  if (ArrayBuffer.isView(v) || Array.isArray(v))
    return Array.from(v as ArrayLike<unknown>, (x) => jsonValue(x, c));
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v ?? null;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The flat CSV cells of one row. */
function csvCells(c: Column, row: number): string[] {
  const v = cellValue(c, row);
  if (c.type === 'bytes') return [toHex(v as Uint8Array)];
  if (c.offsets !== undefined) return [Array.from(v as ArrayLike<unknown>, String).join(' ')];
  if (c.shape.length === 0)
    return [csvCell(typeof v === 'object' && v !== null ? JSON.stringify(jsonValue(v, c)) : v)];
  return Array.from(v as ArrayLike<unknown>, csvCell);
}

interface Sink {
  batch(t: DecodedTable): Promise<void>;
  close(): Promise<string[]>;
}

function outPath(out: string, definition: string, many: boolean): string {
  if (!many) return out;
  const ext = extname(out);
  return `${out.slice(0, out.length - ext.length)}.${definition}${ext}`;
}

/** CSV: one file per definition (or standard output for a single definition). */
function csvSink(out: Output, file: string | undefined, many: boolean): Sink {
  const writers = new Map<string, BufferedFileWriter | null>();
  const files: string[] = [];
  return {
    async batch(t) {
      let w = writers.get(t.definition);
      const text = (lines: string[]): string => lines.join('\n') + '\n';
      const lines: string[] = [];
      if (w === undefined) {
        if (file === undefined && many) {
          throw new CliFailure(
            'several definitions decoded: give -o FILE (one CSV per definition) or --format ndjson',
            2,
          );
        }
        const path = file === undefined ? undefined : outPath(file, t.definition, many);
        w = path === undefined ? null : new BufferedFileWriter(path);
        if (path !== undefined) files.push(path);
        writers.set(t.definition, w);
        lines.push(t.columns.flatMap(headings).map(csvCell).join(','));
      }
      for (let r = 0; r < t.rows; r++)
        lines.push(t.columns.flatMap((c) => csvCells(c, r)).join(','));
      if (w === null) out.stdout(text(lines));
      else await w.write(new TextEncoder().encode(text(lines)));
    },
    async close() {
      for (const w of writers.values()) if (w !== null) await w.close();
      return files;
    },
  };
}

/** NDJSON: every packet as one line in stream order, with its definition and offset. */
function ndjsonSink(out: Output, file: string | undefined): Sink {
  const w = file === undefined ? null : new BufferedFileWriter(file);
  return {
    async batch() {
      throw new Error('ndjson takes rows through rows()');
    },
    async close() {
      if (w !== null) await w.close();
      return file === undefined ? [] : [file];
    },
    ...{
      async rows(tables: DecodedTable[]): Promise<void> {
        const recs: { offset: number; line: string }[] = [];
        for (const t of tables) {
          for (let r = 0; r < t.rows; r++) {
            const o: Record<string, unknown> = {
              definition: t.definition,
              offset: t.packetOffsets[r]!,
            };
            for (const c of t.columns) o[c.name] = jsonValue(cellValue(c, r), c);
            recs.push({ offset: t.packetOffsets[r]!, line: JSON.stringify(o) });
          }
        }
        recs.sort((a, b) => a.offset - b.offset);
        const text = recs.map((x) => x.line + '\n').join('');
        if (text === '') return;
        if (w === null) out.stdout(text);
        else await w.write(new TextEncoder().encode(text));
      },
    },
  } as Sink & { rows(t: DecodedTable[]): Promise<void> };
}

/** Arrow IPC file or Parquet: batches are kept and written at the end, one file per definition. */
function columnarSink(format: 'arrow' | 'parquet', file: string | undefined, many: boolean): Sink {
  if (file === undefined) throw new CliFailure(`--format ${format} needs -o FILE`, 2);
  const parts = new Map<string, DecodedTable[]>();
  return {
    async batch(t) {
      const l = parts.get(t.definition);
      if (l === undefined) parts.set(t.definition, [t]);
      else l.push(t);
    },
    async close() {
      const { concatTables } = await import('ccsds/decode');
      const { writeFileSync } = await import('node:fs');
      const files: string[] = [];
      for (const [name, list] of parts) {
        const t = concatTables(list);
        const path = outPath(file, name, many);
        const bytes = format === 'arrow' ? await toArrow(t) : await toParquet(t);
        writeFileSync(path, bytes);
        files.push(path);
      }
      return files;
    },
  };
}

/** Per-row JS values of a column (lists for arrays, hex for octets). */
function rowValues(c: Column, rows: number): unknown[] {
  const out = new Array<unknown>(rows);
  for (let r = 0; r < rows; r++) {
    const v = cellValue(c, r);
    out[r] = ArrayBuffer.isView(v) ? Array.from(v as NumericArray) : v;
  }
  return out;
}

async function toArrow(t: DecodedTable): Promise<Uint8Array> {
  const arrow = await import('apache-arrow');
  const vectors: Record<string, import('apache-arrow').Vector> = {};
  for (const c of t.columns) {
    const scalar = c.offsets === undefined && c.shape.length === 0;
    if (scalar && !Array.isArray(c.values)) {
      vectors[c.name] = arrow.makeVector(c.values as NumericArray);
    } else if (scalar && c.type === 'str') {
      vectors[c.name] = arrow.vectorFromArray(c.values as (string | null)[], new arrow.Utf8());
    } else if (scalar) {
      vectors[c.name] = arrow.vectorFromArray(
        (c.values as unknown[]).map((v) =>
          v === null || v === undefined ? null : JSON.stringify(jsonValue(v, c)),
        ),
        new arrow.Utf8(),
      );
    } else if (c.type === 'bytes') {
      vectors[c.name] = arrow.vectorFromArray(
        rowValues(c, t.rows).map((v) => Uint8Array.from(v as number[])),
        new arrow.Binary(),
      );
    } else {
      const child = arrow.makeVector((c.values as NumericArray).subarray(0, 0))
        .type as import('apache-arrow').DataType;
      vectors[c.name] = arrow.vectorFromArray(
        rowValues(c, t.rows),
        new arrow.List(new arrow.Field('item', child, true)),
      );
    }
  }
  vectors['packet_offset'] = arrow.makeVector(t.packetOffsets);
  return arrow.tableToIPC(new arrow.Table(vectors), 'file');
}

async function toParquet(t: DecodedTable): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData: { name: string; data: unknown[]; type: string }[] = [];
  for (const c of t.columns) {
    const names = headings(c);
    const scalarNumeric = c.offsets === undefined && c.type !== 'bytes' && !Array.isArray(c.values);
    if (scalarNumeric) {
      const w = rowWidth(c);
      const v = c.values as NumericArray | BigInt64Array | BigUint64Array;
      const big = v instanceof BigInt64Array || v instanceof BigUint64Array;
      const type = big
        ? 'INT64'
        : c.type === 'float'
          ? 'DOUBLE'
          : c.bits !== undefined && c.bits > 31
            ? 'INT64'
            : 'INT32';
      names.forEach((name, k) => {
        const data = new Array<unknown>(t.rows);
        for (let r = 0; r < t.rows; r++) {
          const x = v[r * w + k]!;
          data[r] = type === 'INT64' ? BigInt(x) : x;
        }
        columnData.push({ name, data, type });
      });
    } else {
      const data = new Array<unknown>(t.rows);
      for (let r = 0; r < t.rows; r++) {
        const v = cellValue(c, r);
        data[r] =
          v === null || v === undefined
            ? null
            : typeof v === 'string'
              ? v
              : c.type === 'bytes'
                ? toHex(v as Uint8Array)
                : JSON.stringify(jsonValue(v, c));
      }
      columnData.push({ name: c.name, data, type: 'STRING' });
    }
  }
  columnData.push({
    name: 'packet_offset',
    data: Array.from(t.packetOffsets, (x) => BigInt(x)),
    type: 'INT64',
  });
  return new Uint8Array(
    parquetWriteBuffer({ columnData } as Parameters<typeof parquetWriteBuffer>[0]),
  );
}

function describe(r: DecodeReport): string {
  const lines = [
    `${r.decoded} packets decoded of ${r.packets} (${r.idlePackets} idle, ${r.filtered} filtered, ${r.undecoded} without definition, ${r.rejected} rejected), ${r.skippedOctets} octets skipped, ${r.sequenceAnomalies} sequence anomalies${r.ok ? '' : ' — PROBLEMS'}`,
  ];
  for (const [name, n] of Object.entries(r.definitions)) lines.push(`  ${name}: ${n} rows`);
  for (const d of r.diagnostics) {
    lines.push(
      `  offset ${d.offset}: ${d.kind}${d.apid === undefined ? '' : ` (APID ${d.apid})`}: ${d.message}`,
    );
  }
  if (r.diagnosticsTruncated) lines.push('  (more diagnostics than listed)');
  return lines.join('\n') + '\n';
}

/** Adds `decode` to the `packets` noun. */
export function registerDecodeCommands(packets: Command, out: Output): void {
  packets
    .command('decode')
    .description(
      'decode telemetry into columns with packet definitions (ccsdspy CSV, JSON or XTCE)',
    )
    .argument('<file>', 'packet stream file, or - for standard input')
    .requiredOption(
      '--def <file>',
      'definitions: defs.csv (ccsdspy), defs.json or mission.xml (XTCE)',
    )
    .option('--apid <list>', 'decode only these APIDs (a CSV definition applies to them)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('csv'))
    .option(
      '-o, --out <file>',
      'output file (several definitions: one file each, NAME.<definition>.EXT)',
    )
    .option('--header', 'add the primary header fields as columns')
    .option('--interpreted', 'use the interpreter instead of compiled decoders')
    .option('--pec', 'packets end with a CRC-16 packet error control field')
    .option('--strict-apids', 'resynchronise only on APIDs the definitions name')
    .option('--max-diagnostics <n>', 'diagnostics listed in the report', '100')
    .option('--no-progress', 'no progress bar on a terminal')
    .option('--json', 'report as JSON (on standard output with -o, else on standard error)')
    .action(async (file: string, o: DecodeFlags) => {
      const apids = o.apid === undefined ? undefined : parseIntegerList(o.apid, 0, 2047, '--apid');
      const registry = loadDefinitionFile(o.def, apids);
      const options: DecodeOptions = {
        maxDiagnostics: parseInteger(o.maxDiagnostics, 0, 1_000_000, '--max-diagnostics'),
        batchRows: o.format === 'ndjson' ? Infinity : 65536,
      };
      if (apids !== undefined) options.apids = apids;
      if (o.header === true) options.includePrimaryHeader = true;
      if (o.interpreted === true) options.mode = 'interpreted';
      if (o.pec === true) options.packetErrorControl = true;
      if (o.strictApids === true) options.validApids = 'definitions';
      const many = registry.resolveAll().filter((d) => !d.abstract).length > 1;
      const sink =
        o.format === 'csv'
          ? csvSink(out, o.out, many)
          : o.format === 'ndjson'
            ? ndjsonSink(out, o.out)
            : columnarSink(o.format, o.out, many);
      let queue: DecodedTable[] = [];
      const decoder = new TelemetryDecoder(registry, options, (t) => queue.push(t));
      const size = file === '-' ? 0 : statSync(file).size;
      const bar =
        o.progress !== false && process.stderr.isTTY === true && size > 0
          ? new cliProgress.SingleBar(
              {
                format: '{bar} {percentage}% | {value}/{total} octets | ETA {eta}s',
                stream: process.stderr,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(size, 0);
      let read = 0;
      const drain = async (): Promise<void> => {
        const q = queue;
        queue = [];
        if (o.format === 'ndjson')
          await (sink as Sink & { rows(t: DecodedTable[]): Promise<void> }).rows(q);
        else for (const t of q) await sink.batch(t);
      };
      try {
        for await (const chunk of openInput(file)) {
          decoder.push(chunk);
          read += chunk.length;
          bar?.update(read);
          if (o.format === 'ndjson') decoder.flush();
          if (queue.length > 0) await drain();
        }
        decoder.end();
        await drain();
      } finally {
        bar?.stop();
      }
      const files = await sink.close();
      const report = decoder.report();
      if (o.json === true) {
        const text = JSON.stringify({ ...report, files }) + '\n';
        if (o.out !== undefined) out.stdout(text);
        else out.stderr(text);
      } else {
        const text = describe(report) + files.map((f) => `  wrote ${f}\n`).join('');
        if (o.out !== undefined) out.stdout(text);
        else out.stderr(text);
      }
      if (!report.ok) out.exitCode = 1;
    });
}
