/**
 * `ccsds link cltu encode|decode`: TC Transfer Frames to CLTUs and back (CCSDS 231.0-B-4:
 * BCH(63,56) codeblocks, start sequence EB90, tail C5C5C5C5C5C5C579, fill 0x55, optional TC
 * randomisation). Input is read in chunks from a file or standard input (`-`).
 */
import type { Command } from 'commander';
import { BchMode, CltuDecoder, type DecodedCltu, encodeCltu } from 'ccsds/coding';
import { toHex } from 'ccsds/core';
import { BufferedFileWriter, openInput } from './io.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';

/** Largest TC Transfer Frame (232.0-B-4: the 10-bit frame length field counts up to 1024). */
const MAX_TC_FRAME = 1024;

interface EncodeFlags {
  randomize?: boolean;
  split?: boolean;
  out?: string;
  json?: boolean;
}

interface DecodeFlags {
  derandomize?: boolean;
  detectOnly?: boolean;
  startErrors?: string;
  maxCodeblocks?: string;
  out?: string;
  json?: boolean;
}

/**
 * Splits a stream of TC Transfer Frames on their Frame Length field (octets 2-3, 10 bits, total
 * length minus one); throws a CliFailure on a frame cut short at the end.
 */
async function* tcFrames(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0);
  let offset = 0;
  for await (const chunk of chunks) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    let pos = 0;
    while (joined.length - pos >= 4) {
      const len = (((joined[pos + 2]! & 0x03) << 8) | joined[pos + 3]!) + 1;
      if (len < 5) {
        throw new CliFailure(`TC frame at offset ${offset} claims a length of ${len} octets`);
      }
      if (joined.length - pos < len) break;
      yield joined.slice(pos, pos + len);
      pos += len;
      offset += len;
    }
    buf = joined.slice(pos);
  }
  if (buf.length > 0) {
    throw new CliFailure(`input ends inside a TC frame at offset ${offset} (${buf.length} octets)`);
  }
}

/** The whole input as one frame (at most 1024 octets). */
async function* singleFrame(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of chunks) {
    n += chunk.length;
    if (n > MAX_TC_FRAME) {
      throw new CliFailure(
        `input is longer than a TC frame (${MAX_TC_FRAME} octets); use --split for a frame stream`,
        2,
      );
    }
    parts.push(chunk);
  }
  if (n === 0) throw new CliFailure('input is empty: nothing to encode', 2);
  const frame = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    frame.set(p, o);
    o += p.length;
  }
  yield frame;
}

function describe(c: DecodedCltu): string {
  const corr = c.corrected > 0 ? `, ${c.corrected} corrected` : '';
  const start = c.startSequenceErrors > 0 ? ', start sequence with 1 bit error' : '';
  return `CLTU at offset ${c.offset}: ${c.codeblocks} codeblocks, ${c.data.length} octets${corr}${start}, ended by ${c.ending}\n`;
}

/** Adds `cltu encode` and `cltu decode` under an existing `link` command. */
export function registerCltuCommands(link: Command, out: Output): void {
  const cltu = link
    .command('cltu')
    .description('CLTUs: BCH(63,56) codeblocks between start and tail sequences (CCSDS 231.0-B-4)');

  cltu
    .command('encode')
    .argument('<file>', 'TC Transfer Frame (or frames with --split), or - for standard input')
    .description('encode TC Transfer Frames into CLTUs')
    .option('--randomize', 'apply the TC randomiser to each frame before encoding')
    .option('--split', "input is a stream of TC frames, split on each frame's length field")
    .option('--out <file>', 'write the CLTUs to this file (default: one hex line per CLTU)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: EncodeFlags) => {
      const input = openInput(file) as AsyncIterable<Uint8Array>;
      const frames = o.split === true ? tcFrames(input) : singleFrame(input);
      const writer = o.out !== undefined ? new BufferedFileWriter(o.out) : undefined;
      const hex: string[] = [];
      let count = 0;
      let octetsIn = 0;
      try {
        for await (const frame of frames) {
          const c = encodeCltu(frame, { randomize: o.randomize === true });
          count++;
          octetsIn += frame.length;
          if (writer !== undefined) await writer.write(c);
          else hex.push(toHex(c));
        }
      } finally {
        await writer?.close();
      }
      if (count === 0) throw new CliFailure('no TC frame in the input');
      if (o.json === true) {
        const r: Record<string, unknown> = {
          cltus: count,
          frameOctets: octetsIn,
          randomized: o.randomize === true,
        };
        if (writer !== undefined) {
          r['out'] = o.out;
          r['cltuOctets'] = writer.written;
        } else r['hex'] = hex;
        out.stdout(JSON.stringify(r) + '\n');
        return;
      }
      if (writer !== undefined) {
        out.stdout(`${count} CLTU(s), ${writer.written} octets written to ${o.out}\n`);
      } else {
        out.stdout(hex.join('\n') + '\n');
      }
    });

  cltu
    .command('decode')
    .argument('<file>', 'CLTU stream, or - for standard input')
    .description('find and decode CLTUs; exit 1 unless every CLTU ended on its tail sequence')
    .option('--derandomize', 'remove the TC randomisation from the decoded data')
    .option('--detect-only', 'Error-Detecting Mode: reject codeblocks with any error')
    .option('--start-errors <n>', 'bit errors tolerated in the start sequence (0 or 1)', '0')
    .option('--max-codeblocks <n>', 'longest CLTU in codeblocks (default 147)')
    .option('--out <file>', 'write the decoded data (fill included) of every CLTU to this file')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: DecodeFlags) => {
      const dec = new CltuDecoder({
        mode: o.detectOnly === true ? BchMode.DETECTING : BchMode.CORRECTING,
        derandomize: o.derandomize === true,
        startSequenceErrors: parseInteger(o.startErrors ?? '0', 0, 1, '--start-errors'),
        maxCodeblocks:
          o.maxCodeblocks === undefined
            ? 147
            : parseInteger(o.maxCodeblocks, 1, 1 << 20, '--max-codeblocks'),
      });
      const writer = o.out !== undefined ? new BufferedFileWriter(o.out) : undefined;
      const found: Omit<DecodedCltu, 'data'>[] = [];
      const lengths: number[] = [];
      const handle = async (cs: DecodedCltu[]): Promise<void> => {
        for (const c of cs) {
          const { data, ...rest } = c;
          found.push(rest);
          lengths.push(data.length);
          if (writer !== undefined) await writer.write(data);
          if (o.json !== true) out.stdout(describe(c));
        }
      };
      try {
        for await (const chunk of openInput(file)) await handle(dec.push(chunk as Uint8Array));
        await handle(dec.end());
      } finally {
        await writer?.close();
      }
      const good = found.filter((c) => c.ending === 'tail').length;
      const corrected = found.reduce((n, c) => n + c.corrected, 0);
      const ok = found.length > 0 && good === found.length;
      if (o.json === true) {
        out.stdout(
          JSON.stringify({
            ok,
            cltus: found.map((c, i) => ({ ...c, octets: lengths[i] })),
            total: { cltus: found.length, complete: good, correctedCodeblocks: corrected },
            ...(o.out !== undefined ? { out: o.out } : {}),
          }) + '\n',
        );
      } else {
        out.stdout(
          `${found.length} CLTU(s): ${good} complete, ${found.length - good} incomplete, ${corrected} codeblock(s) corrected\n`,
        );
      }
      if (!ok) out.exitCode = 1;
    });
}
