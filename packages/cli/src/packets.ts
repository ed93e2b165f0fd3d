/** `ccsds packets info|count|validate|split|generate`: Space Packet stream tools (133.0-B-2). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { SeededRandom, type SkippedRange } from 'ccsds/core';
import {
  PacketStreamValidator,
  SequenceCounter,
  SpacePacketReader,
  type SpacePacketReaderOptions,
  type ValidationReport,
  encodeIdlePacket,
  encodeSpacePacket,
} from 'ccsds/spp';
import { BufferedFileWriter, openInput } from './io.js';
import { CliFailure, type Output } from './output.js';
import { parseIntegerList, parseInteger } from './parse.js';

interface ReaderFlags {
  apids?: string;
  pec?: boolean;
  dropIdle?: boolean;
  maxLength?: string;
  json?: boolean;
}

function readerOptions(o: ReaderFlags): SpacePacketReaderOptions {
  const opts: SpacePacketReaderOptions = {};
  if (o.apids !== undefined) opts.validApids = parseIntegerList(o.apids, 0, 2047, '--apids');
  if (o.pec === true) opts.packetErrorControl = true;
  if (o.dropIdle === true) opts.dropIdle = true;
  if (o.maxLength !== undefined)
    opts.maxPacketLength = parseInteger(o.maxLength, 7, 65542, '--max-length');
  return opts;
}

function addReaderOptions(c: Command): Command {
  return c
    .option(
      '--apids <list>',
      'APIDs in use (comma-separated; ranges a-b): resynchronise on these only',
    )
    .option('--pec', 'packets end with a CRC-16 packet error control field')
    .option('--drop-idle', 'leave idle packets (APID 2047) out')
    .option('--max-length <octets>', 'longest packet accepted (7..65542)')
    .option('--json', 'machine-readable output');
}

async function validateInput(file: string, o: ReaderFlags): Promise<ValidationReport> {
  const v = new PacketStreamValidator(readerOptions(o));
  for await (const chunk of openInput(file)) v.push(chunk as Uint8Array);
  v.end();
  return v.report();
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return (
    rows.map((r) => r.map((c, i) => String(c).padStart(widths[i]!)).join('  ')).join('\n') + '\n'
  );
}

function describeSkip(s: SkippedRange): string {
  return `  skipped octets ${s.start}..${s.end - 1} (${s.end - s.start}): ${s.reason}\n`;
}

/** Adds the `packets` noun to the program. */
export function registerPacketCommands(program: Command, out: Output): void {
  const packets = program.command('packets').description('Space Packet streams (CCSDS 133.0-B-2)');

  addReaderOptions(
    packets.command('info').argument('<file>', 'packet stream file, or - for standard input'),
  )
    .description('summary per APID: packets, octets, sequence counts, gaps and duplicates')
    .action(async (file: string, o: ReaderFlags) => {
      const r = await validateInput(file, o);
      if (o.json === true) {
        out.stdout(JSON.stringify(r) + '\n');
        return;
      }
      out.stdout(
        `${r.streamOctets} octets, ${r.packets} packets (${r.idlePackets} idle), ${r.apids.length} APIDs, ${r.skippedOctets} octets skipped${r.truncated ? ', truncated at the end' : ''}\n`,
      );
      if (r.apids.length > 0) {
        out.stdout(
          table([
            ['apid', 'packets', 'octets', 'first', 'last', 'gaps', 'missing', 'dups', 'backwards'],
            ...r.apids.map((a) => [
              a.apid,
              a.packets,
              a.octets,
              a.firstSequenceCount,
              a.lastSequenceCount,
              a.gaps,
              a.missingPackets,
              a.duplicates,
              a.backwards,
            ]),
          ]),
        );
      }
    });

  addReaderOptions(
    packets.command('count').argument('<file>', 'packet stream file, or - for standard input'),
  )
    .description('count packets per APID')
    .action(async (file: string, o: ReaderFlags) => {
      const r = await validateInput(file, o);
      if (o.json === true) {
        out.stdout(
          JSON.stringify({
            packets: r.packets,
            skippedOctets: r.skippedOctets,
            apids: r.apids.map((a) => ({ apid: a.apid, packets: a.packets, octets: a.octets })),
          }) + '\n',
        );
        return;
      }
      out.stdout(
        table([
          ['apid', 'packets', 'octets'],
          ...r.apids.map((a) => [a.apid, a.packets, a.octets]),
          ['total', r.packets, r.apids.reduce((s, a) => s + a.octets, 0)],
        ]),
      );
    });

  addReaderOptions(
    packets.command('validate').argument('<file>', 'packet stream file, or - for standard input'),
  )
    .description('report sequence gaps, duplicates, truncation and garbage; exit 1 if any')
    .action(async (file: string, o: ReaderFlags) => {
      const r = await validateInput(file, o);
      if (o.json === true) out.stdout(JSON.stringify(r) + '\n');
      else {
        out.stdout(
          `${r.ok ? 'OK' : 'PROBLEMS'}: ${r.packets} packets in ${r.streamOctets} octets\n`,
        );
        for (const e of r.events) {
          out.stdout(
            e.status === 'gap'
              ? `  APID ${e.apid}: gap at offset ${e.offset}, count ${e.previous} -> ${e.count} (${e.missing} missing)\n`
              : `  APID ${e.apid}: ${e.status} at offset ${e.offset}, count ${e.count} after ${e.previous}\n`,
          );
        }
        for (const s of r.skipped) out.stdout(describeSkip(s));
        if (r.rejectedRanges > 0)
          out.stdout(`  ${r.rejectedRanges} packet error control failures\n`);
        if (r.listsTruncated) out.stdout('  (more events than listed)\n');
      }
      if (!r.ok) out.exitCode = 1;
    });

  addReaderOptions(
    packets.command('split').argument('<file>', 'packet stream file, or - for standard input'),
  )
    .description('write one file per APID (apid-<n>.bin) into --out')
    .requiredOption('--out <dir>', 'output folder (created if needed)')
    .action(async (file: string, o: ReaderFlags & { out: string }) => {
      mkdirSync(o.out, { recursive: true });
      const writers = new Map<number, BufferedFileWriter>();
      const pending: Promise<void>[] = [];
      let skipped = 0;
      const reader = new SpacePacketReader(
        (p) => {
          let w = writers.get(p.header.apid);
          if (w === undefined) {
            w = new BufferedFileWriter(join(o.out, `apid-${p.header.apid}.bin`));
            writers.set(p.header.apid, w);
          }
          const wait = w.write(p.bytes);
          if (wait !== undefined) pending.push(wait);
        },
        (s) => (skipped += s.end - s.start),
        readerOptions(o),
      );
      for await (const chunk of openInput(file)) {
        reader.push(chunk as Uint8Array);
        if (pending.length > 0) await Promise.all(pending.splice(0));
      }
      reader.end();
      await Promise.all(pending);
      const files = [...writers.entries()].sort((a, b) => a[0] - b[0]);
      for (const [, w] of files) await w.close();
      const summary = files.map(([apid, w]) => ({
        apid,
        file: join(o.out, `apid-${apid}.bin`),
        octets: w.written,
      }));
      if (o.json === true)
        out.stdout(
          JSON.stringify({ packets: reader.packets, skippedOctets: skipped, files: summary }) +
            '\n',
        );
      else {
        out.stdout(
          `${reader.packets} packets into ${summary.length} files in ${o.out} (${skipped} octets skipped)\n`,
        );
        for (const f of summary) out.stdout(`  ${f.file}  ${f.octets} octets\n`);
      }
    });

  packets
    .command('generate')
    .description(
      'write a synthetic packet stream (for demos and tests), optionally with gaps and garbage',
    )
    .requiredOption('-o, --out <file>', 'output file')
    .option('--count <n>', 'packets to generate', '1000')
    .option('--apids <list>', 'APIDs to use', '100,200,300')
    .option('--min-size <octets>', 'smallest user data', '8')
    .option('--max-size <octets>', 'largest user data', '64')
    .addOption(
      new Option('--drop <p>', 'probability that a packet is left out (sequence gap)').default('0'),
    )
    .addOption(
      new Option('--garbage <p>', 'probability of garbage octets before a packet').default('0'),
    )
    .addOption(
      new Option('--idle <p>', 'probability of an idle packet before a packet').default('0'),
    )
    .option('--pec', 'append packet error control')
    .option('--seed <n>', 'random seed', '1')
    .option('--json', 'machine-readable output')
    .action(
      async (o: {
        out: string;
        count: string;
        apids: string;
        minSize: string;
        maxSize: string;
        drop: string;
        garbage: string;
        idle: string;
        pec?: boolean;
        seed: string;
        json?: boolean;
      }) => {
        const count = parseInteger(o.count, 0, 100_000_000, '--count');
        const apids = parseIntegerList(o.apids, 0, 2046, '--apids');
        const min = parseInteger(o.minSize, 1, 65534, '--min-size');
        const max = parseInteger(o.maxSize, min, 65534, '--max-size');
        const prob = (s: string, name: string): number => {
          const p = Number(s);
          if (!(p >= 0 && p <= 1))
            throw new CliFailure(`${name} must be a probability from 0 to 1`, 2);
          return p;
        };
        const drop = prob(o.drop, '--drop');
        const garbage = prob(o.garbage, '--garbage');
        const idle = prob(o.idle, '--idle');
        const rng = new SeededRandom(parseInteger(o.seed, 0, 2 ** 32 - 1, '--seed'));
        const seq = new SequenceCounter();
        const w = new BufferedFileWriter(o.out);
        const stats = { packets: 0, dropped: 0, garbageOctets: 0, idle: 0 };
        for (let i = 0; i < count; i++) {
          const apid = rng.pick(apids);
          const packet = encodeSpacePacket({
            apid,
            packetSequenceCount: seq.take(apid),
            userData: rng.bytes(min + rng.nextInt(max - min + 1)),
            packetErrorControl: o.pec === true,
          });
          if (rng.chance(drop)) {
            stats.dropped++;
            continue;
          }
          if (rng.chance(garbage)) {
            const g = rng.bytes(1 + rng.nextInt(32));
            stats.garbageOctets += g.length;
            await w.write(g);
          }
          if (rng.chance(idle)) {
            stats.idle++;
            await w.write(encodeIdlePacket(7 + rng.nextInt(20), stats.idle % 16384));
          }
          stats.packets++;
          await w.write(packet);
        }
        await w.close();
        if (o.json === true)
          out.stdout(JSON.stringify({ file: o.out, octets: w.written, ...stats }) + '\n');
        else
          out.stdout(
            `wrote ${stats.packets} packets (${w.written} octets) to ${o.out}: ${stats.dropped} left out, ${stats.idle} idle, ${stats.garbageOctets} garbage octets\n`,
          );
      },
    );
}
