/**
 * `ccsds link encode|decode`: the concatenated TM coding chain of CCSDS 131.0-B-4 over files —
 * Reed-Solomon (optional, interleaved, virtual fill from the frame length), pseudo-randomiser,
 * Attached Sync Marker, convolutional code (rate 1/2 or punctured, optional). Encoding turns a
 * file of fixed-length Transfer Frames into a channel stream (packed bits or 8-bit soft
 * symbols); decoding finds, decodes and checks the codeblocks of a channel stream. Input is read
 * in chunks from a file or standard input (`-`); memory does not grow with the file.
 */
import type { Command } from 'commander';
import {
  type ConvRate,
  RsBasis,
  TmChainDecoder,
  type TmChainDecoderOptions,
  TmChainEncoder,
  type TmChainFrame,
  type TmChainInput,
  type TmChainOptions,
  type TmChainOutput,
} from 'ccsds/coding';
import { CcsdsError, toHex } from 'ccsds/core';
import { BufferedFileWriter, openInput } from './io.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';

interface ChainFlags {
  frameLength: string;
  rs?: string;
  interleave?: string;
  basis?: string;
  randomizer?: string;
  conv?: string;
}

interface EncodeFlags extends ChainFlags {
  output?: string;
  out?: string;
  json?: boolean;
}

interface DecodeFlags extends ChainFlags {
  input: string;
  searchErrors?: string;
  lockErrors?: string;
  out?: string;
  json?: boolean;
}

const RATES = ['1/2', '2/3', '3/4', '5/6', '7/8'] as const;

function choice<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliFailure(`${name} must be one of ${allowed.join(', ')}, got '${value}'`, 2);
  }
  return value as T;
}

/** The chain configuration from the shared options; exit code 2 when it is not valid. */
function chainOptions(o: ChainFlags): TmChainOptions {
  const frameLength = parseInteger(o.frameLength, 1, 65536, '--frame-length');
  const rsSpec = choice(o.rs ?? 'none', ['255,223', '255,239', 'none'], '--rs');
  const conv = choice(o.conv ?? 'none', [...RATES, 'none'], '--conv') as ConvRate | 'none';
  const randomizer = choice(o.randomizer ?? 'tm', ['tm', 'none'], '--randomizer');
  const basis = choice(o.basis ?? 'dual', [RsBasis.DUAL, RsBasis.CONVENTIONAL], '--basis');
  const interleave =
    o.interleave === undefined ? 1 : parseInteger(o.interleave, 1, 8, '--interleave');
  if (rsSpec === 'none' && (o.interleave !== undefined || o.basis !== undefined)) {
    throw new CliFailure('--interleave and --basis need --rs', 2);
  }
  return {
    frameLength,
    randomize: randomizer === 'tm',
    conv,
    ...(rsSpec === 'none' ? {} : { rs: { E: rsSpec === '255,223' ? 16 : 8, interleave, basis } }),
  };
}

/** Builds a library object, turning a rejected configuration into exit code 2. */
function configured<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof CcsdsError && e.code === 'INVALID_ARGUMENT')
      throw new CliFailure(e.message, 2);
    throw e;
  }
}

function addChainOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--frame-length <n>', 'Transfer Frame length in octets')
    .option('--rs <code>', 'Reed-Solomon code: 255,223, 255,239 or none', 'none')
    .option('--interleave <I>', 'RS interleaving depth: 1, 2, 3, 4, 5 or 8 (default 1)')
    .option('--basis <basis>', 'RS symbol basis: dual (CCSDS) or conventional (default dual)')
    .option('--randomizer <kind>', 'pseudo-randomiser: tm or none', 'tm')
    .option('--conv <rate>', 'convolutional code: 1/2, 2/3, 3/4, 5/6, 7/8 or none', 'none');
}

/** Splits a chunk stream into frames of `length` octets; fails on a trailing partial frame. */
async function* fixedFrames(
  chunks: AsyncIterable<Uint8Array>,
  length: number,
): AsyncGenerator<Uint8Array> {
  const part = new Uint8Array(length);
  let have = 0;
  let count = 0;
  for await (const chunk of chunks) {
    let o = 0;
    while (o < chunk.length) {
      const n = Math.min(length - have, chunk.length - o);
      part.set(chunk.subarray(o, o + n), have);
      have += n;
      o += n;
      if (have === length) {
        yield part.slice();
        have = 0;
        count++;
      }
    }
  }
  if (have > 0) {
    throw new CliFailure(
      `input ends inside frame ${count} (${have} of ${length} octets): not a whole number of frames`,
    );
  }
}

/** Writes octets as hex lines of 64 octets, carrying a partial line over. */
class HexLines {
  private pending = '';
  constructor(private readonly out: Output) {}
  write(bytes: Uint8Array): void {
    this.pending += toHex(bytes);
    let lines = '';
    while (this.pending.length >= 128) {
      lines += this.pending.slice(0, 128) + '\n';
      this.pending = this.pending.slice(128);
    }
    if (lines !== '') this.out.stdout(lines);
  }
  end(): void {
    if (this.pending !== '') this.out.stdout(this.pending + '\n');
    this.pending = '';
  }
}

function describe(f: TmChainFrame): string {
  const notes: string[] = [`sync errors ${f.markerErrors}`];
  if (f.inverted) notes.push('inverted');
  if (f.state === 'flywheel') notes.push('flywheel (marker missed)');
  let rs: string;
  if (f.corrections.length === 0) rs = f.ok ? 'no RS' : 'no RS, not vouched for';
  else if (f.ok) rs = `RS corrections [${f.corrections.join(',')}]`;
  else {
    const bad = f.corrections.flatMap((c, i) => (c < 0 ? [i] : []));
    rs = `RS FAILED (uncorrectable codeword${bad.length > 1 ? 's' : ''} ${bad.join(',')}; corrections [${f.corrections.join(',')}])`;
  }
  return `codeblock at ${f.offset}: ${notes.join(', ')}, ${rs}, ${f.ok ? 'ok' : 'BAD'}: ${toHex(f.data)}\n`;
}

/** Adds `encode` and `decode` (the concatenated TM chain) under an existing `link` command. */
export function registerLinkChainCommands(link: Command, out: Output): void {
  addChainOptions(
    link
      .command('encode')
      .argument('<file>', 'fixed-length Transfer Frames back to back, or - for standard input')
      .description(
        'encode Transfer Frames through the TM chain: RS, randomiser, ASM, convolutional code (CCSDS 131.0-B-4)',
      ),
  )
    .option('--output <form>', 'channel output: bits (packed) or soft8 (one octet per bit)', 'bits')
    .option(
      '-o, --out <file>',
      'write the channel stream to this file (- for binary standard output; default: hex lines)',
    )
    .option('--json', 'machine-readable summary')
    .action(async (file: string, o: EncodeFlags) => {
      const cfg = chainOptions(o);
      const output = choice(o.output ?? 'bits', ['bits', 'soft8'], '--output') as TmChainOutput;
      const enc = configured(() => new TmChainEncoder({ ...cfg, output }));
      const toFile = o.out !== undefined && o.out !== '-';
      const writer = toFile ? new BufferedFileWriter(o.out!) : undefined;
      const hex = o.out === undefined ? new HexLines(out) : undefined;
      let written = 0;
      const emit = async (bytes: Uint8Array): Promise<void> => {
        written += bytes.length;
        if (writer !== undefined) await writer.write(bytes);
        else if (hex !== undefined) hex.write(bytes);
        else if (!process.stdout.write(bytes)) {
          await new Promise((resolve) => process.stdout.once('drain', resolve));
        }
      };
      let frames = 0;
      try {
        for await (const frame of fixedFrames(openInput(file), cfg.frameLength)) {
          await emit(enc.encode(frame));
          frames++;
        }
        if (frames > 0) await emit(enc.finish());
      } finally {
        await writer?.close();
        hex?.end();
      }
      if (frames === 0) throw new CliFailure('input is empty: no frame to encode');
      if (o.json === true) {
        const L = enc.layout;
        out.stdout(
          JSON.stringify({
            frames,
            frameLength: L.frameLength,
            codeblockLength: L.codeblockLength,
            virtualFill: L.virtualFill,
            rs: L.rs ?? null,
            randomize: L.randomize,
            conv: L.conv,
            output,
            outputOctets: written,
            ...(o.out !== undefined ? { out: o.out } : {}),
          }) + '\n',
        );
      } else if (writer !== undefined) {
        out.stdout(`${frames} frame(s) encoded, ${written} octets written to ${o.out}\n`);
      }
    });

  addChainOptions(
    link
      .command('decode')
      .argument('<file>', 'channel stream, or - for standard input')
      .description(
        'find and decode the codeblocks of a TM channel stream; exit 1 when a codeblock failed or none was found',
      ),
  )
    .requiredOption(
      '--input <form>',
      'soft8 (one soft octet per channel bit), bits (packed channel bits) or bytes (decoded bits, no convolutional code)',
    )
    .option('--search-errors <n>', 'marker bit errors accepted while searching (0-15)', '0')
    .option('--lock-errors <n>', 'marker bit errors accepted when locked (0-15)', '2')
    .option('--out <file>', 'write the good frames, back to back, to this file')
    .option('--json', 'JSON lines: one per codeblock, then a summary')
    .action(async (file: string, o: DecodeFlags) => {
      const cfg = chainOptions(o);
      const input = choice(o.input, ['soft8', 'bits', 'bytes'], '--input') as TmChainInput;
      const searchErrors = parseInteger(o.searchErrors ?? '0', 0, 15, '--search-errors');
      const lockErrors = parseInteger(o.lockErrors ?? '2', 0, 15, '--lock-errors');
      if (lockErrors < searchErrors) {
        throw new CliFailure('--lock-errors must be at least --search-errors', 2);
      }
      const options: TmChainDecoderOptions = { ...cfg, input, searchErrors, lockErrors };
      const dec = configured(() => new TmChainDecoder(options));
      const writer = o.out !== undefined ? new BufferedFileWriter(o.out) : undefined;
      const json = o.json === true;
      const handle = async (frames: TmChainFrame[]): Promise<void> => {
        for (const f of frames) {
          if (json) {
            const { data, ...rest } = f;
            out.stdout(JSON.stringify({ type: 'codeblock', ...rest, hex: toHex(data) }) + '\n');
          } else out.stdout(describe(f));
          if (f.ok && writer !== undefined) await writer.write(f.data);
        }
      };
      try {
        for await (const chunk of openInput(file)) await handle(dec.push(chunk as Uint8Array));
        await handle(dec.finish());
      } finally {
        await writer?.close();
      }
      const s = dec.stats;
      const ok = s.frames > 0 && s.failed === 0;
      if (json) {
        out.stdout(
          JSON.stringify({
            type: 'summary',
            passed: ok,
            ...s,
            ...(o.out !== undefined ? { out: o.out, outOctets: writer!.written } : {}),
          }) + '\n',
        );
      } else {
        out.stdout(
          `${s.frames} codeblock(s): ${s.ok} ok (${s.corrected} corrected, ${s.correctedSymbols} symbols), ` +
            `${s.failed} failed, ${s.syncLosses} sync loss(es)` +
            (cfg.conv !== 'none' ? `, ${s.alignments} alignment(s)` : '') +
            '\n',
        );
      }
      if (!ok) out.exitCode = 1;
    });
}
