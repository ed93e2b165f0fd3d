/**
 * `ccsds sim <scenario>`: runs a simulated mission (a shipped scenario by name, or a scenario
 * JSON file) through every layer of the stack, with live progress per transfer and per layer on
 * stderr, and a report at the end (text, or `--json`). Exit code 0 only when every transfer
 * completed byte-identical.
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  Mission,
  type MissionProgress,
  type MissionReport,
  HOUSEKEEPING_DEFINITION_JSON,
  SCENARIOS,
  parseScenario,
} from 'ccsds/mission';
import { NativeFileStore } from 'ccsds/filestore/node';
import { CliFailure, type Output } from './output.js';

interface SimFlags {
  json?: boolean;
  print?: boolean;
  quiet?: boolean;
  realTime?: string;
  progress?: string;
  workdir?: string;
  ebn0Down?: string;
  ebn0Up?: string;
  seed?: string;
  telemetryOut?: string;
}

/**
 * Reads a scenario: a shipped name, or a file in JSON or (named `*.yaml` / `*.yml`) YAML; exits
 * 2 when it is neither or does not parse. The keys are checked afterwards by `parseScenario`.
 */
export async function loadScenario(arg: string): Promise<unknown> {
  const shipped = SCENARIOS[arg];
  if (shipped !== undefined) return structuredClone(shipped);
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch {
    throw new CliFailure(
      `no scenario '${arg}': neither a shipped one (${Object.keys(SCENARIOS).join(', ')}) nor a readable file`,
      2,
    );
  }
  const yaml = /\.ya?ml$/i.test(arg);
  try {
    return yaml
      ? (parseYaml(text, { maxAliasCount: 100 }) as unknown)
      : (JSON.parse(text) as unknown);
  } catch (e) {
    throw new CliFailure(
      `scenario ${arg} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
      2,
    );
  }
}

function number(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliFailure(`${what} must be a number, got '${v}'`, 2);
  return n;
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function progressLine(p: MissionProgress): string {
  const t = p.transfers
    .map(
      (x) =>
        `${x.direction === 'up' ? '↑' : '↓'}${x.file} ${Math.floor((100 * x.bytesDone) / Math.max(1, x.size))}% ${x.status}`,
    )
    .join(', ');
  const d = p.downlink;
  const u = p.uplink;
  return (
    `T+${p.timeS.toFixed(1)}s ${p.inContact ? 'AOS' : 'LOS'} | ${t} | ` +
    `TM codeblocks ${d.good} good (${d.corrected} corrected, ${d.rsSymbolsCorrected} RS symbols) ${d.lost} lost, ` +
    `Viterbi input bit errors ${d.channelSymbolErrors} | TC CLTUs ${u.cltus} (${u.bchCorrected} BCH corrected, ${u.rejected} rejected), ` +
    `COP-1 ${u.fopState} ${u.cop1Retransmissions} retx | CFDP NAKs ↑${p.cfdp.groundNaks} ↓${p.cfdp.spacecraftNaks} | ` +
    `HK ${p.telemetry.decoded}/${p.telemetry.generated}\n`
  );
}

/** The report as text. */
export function formatMissionReport(r: MissionReport): string {
  const lines: string[] = [];
  lines.push(
    `Scenario ${r.scenario}: ${r.ok ? 'every transfer completed byte-identical' : 'NOT all transfers completed'} (T+${r.virtualTimeS.toFixed(1)} s of mission time)`,
  );
  lines.push('');
  lines.push('Transfers');
  for (const t of r.transfers) {
    const took =
      t.finishedS !== undefined && t.startedS !== undefined
        ? `in ${(t.finishedS - t.startedS).toFixed(1)} s`
        : '';
    lines.push(
      `  ${t.direction === 'up' ? 'up  ' : 'down'} ${t.file.padEnd(20)} ${mib(t.size).padStart(10)}  class ${t.class}  ${t.status.padEnd(9)} ${took}` +
        (t.condition !== undefined && t.condition !== 'NO_ERROR' ? `  (${t.condition})` : '') +
        (t.identical === true ? '  identical' : t.wrongFile ? '  WRONG CONTENT' : ''),
    );
  }
  const dl = r.downlink;
  const ul = r.uplink;
  const db = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} dB`);
  lines.push('');
  lines.push(
    `Downlink  ${dl.symbolRate} symbol/s, code rate ${dl.codeRate.toFixed(3)}, Eb/N0 ${db(dl.ebN0Db)}` +
      (dl.budget !== undefined ? `, margin ${dl.budget.marginDb.toFixed(1)} dB` : ''),
  );
  lines.push(
    `  channel     ${dl.channel.symbolsSent} symbols sent, ${dl.channel.hardSymbolErrors} hard-decision errors, ${dl.channel.symbolsLostToOutage} lost to outages, ${dl.channel.burstCount} fades`,
  );
  lines.push(
    `  coding      ${dl.codeblocks} codeblocks: ${dl.good} good (${dl.corrected} RS-corrected, ${dl.rsSymbolsCorrected} symbols), ${dl.uncorrectable} uncorrectable, ${dl.syncLosses} sync losses`,
  );
  lines.push(
    `  frames      ${dl.framesAccepted} accepted, ${dl.badFrames} bad, ${dl.lostFramesByCount} missing by frame count, ${dl.packetsDropped} packets dropped at gaps`,
  );
  lines.push(
    `Uplink    ${ul.symbolRate} symbol/s, Eb/N0 ${db(ul.ebN0Db)}` +
      (ul.budget !== undefined ? `, margin ${ul.budget.marginDb.toFixed(1)} dB` : '') +
      `, ${ul.cop1 ? 'COP-1 (AD)' : 'expedited (BD)'}`,
  );
  lines.push(
    `  CLTUs       ${ul.cltus} sent, ${ul.cltusReceived} received, ${ul.bchCorrected} codeblocks BCH-corrected, ${ul.rejectedCltus} rejected`,
  );
  lines.push(
    `  frames      ${ul.framesAccepted} accepted by FARM-1, ${ul.framesDiscarded} discarded, ${ul.badFrames} bad`,
  );
  if (ul.cop1)
    lines.push(
      `  COP-1       ${ul.adFrames} AD frames, ${ul.retransmissions} retransmissions, ${ul.bcFrames} BC frames, ${ul.alerts} alerts`,
    );
  const c = (x: MissionReport['cfdp']['ground']): string =>
    `${x.metadata} metadata, ${x.fileData} file data, ${x.eof} EOF, ${x.nak} NAK, ${x.finished} Finished, ${x.ack} ACK`;
  lines.push(`CFDP      ground sent ${c(r.cfdp.ground)}`);
  lines.push(`          spacecraft sent ${c(r.cfdp.spacecraft)}`);
  const hk = r.telemetry;
  lines.push(
    `Telemetry ${hk.decoded} housekeeping packets decoded of ${hk.generated} generated, ${hk.missing} missing, ${hk.sequenceAnomalies} sequence anomalies`,
  );
  if (hk.latest !== undefined) {
    const l = hk.latest;
    lines.push(
      `  latest      uptime ${l.uptimeS} s, mode ${l.mode}, battery ${l.batteryV.toFixed(3)} V, ${l.temperatureC.toFixed(2)} °C, ${l.commandsAccepted} commands, ${l.filesReceived} files, ${l.uplinkFrames} TC frames`,
    );
  }
  lines.push(`Commands  ${r.commands.sent} sent, ${r.commands.executed} executed on board`);
  return lines.join('\n') + '\n';
}

/** Registers `ccsds sim`. */
export function registerSimCommands(program: Command, out: Output): void {
  program
    .command('sim')
    .description(
      `run a simulated mission through every layer: a shipped scenario (${Object.keys(SCENARIOS).join(', ')}) or a scenario JSON file`,
    )
    .argument('<scenario>', 'scenario name or JSON file')
    .option('--json', 'the report as JSON')
    .option('--print', 'print the scenario as JSON and exit (a starting point for your own)')
    .option('--quiet', 'no live progress')
    .option('--progress <seconds>', 'mission seconds between progress lines', '10')
    .option(
      '--real-time <factor>',
      'run in real time scaled by this factor instead of as fast as possible',
    )
    .option(
      '--workdir <dir>',
      'keep the filestores in <dir>/ground and <dir>/spacecraft (default: in memory)',
    )
    .option('--ebn0-down <dB>', 'override the downlink Eb/N0 (instead of the link budget)')
    .option('--ebn0-up <dB>', 'override the uplink Eb/N0')
    .option('--seed <n>', 'override the scenario seed')
    .option(
      '--telemetry-out <file>',
      'write the housekeeping packets received to <file> and their definition to <file>.json',
    )
    .action(async (arg: string, o: SimFlags) => {
      const raw = (await loadScenario(arg)) as Record<string, Record<string, unknown>>;
      if (o.seed !== undefined) (raw as Record<string, unknown>)['seed'] = number(o.seed, '--seed');
      for (const [flag, dir] of [
        [o.ebn0Down, 'downlink'],
        [o.ebn0Up, 'uplink'],
      ] as const) {
        if (flag === undefined) continue;
        const d = raw[dir];
        if (d === undefined || typeof d !== 'object')
          throw new CliFailure(`scenario has no ${dir}`, 2);
        delete d['budget'];
        delete d['bitErrorRate'];
        d['ebN0Db'] = number(flag, `--ebn0-${dir === 'downlink' ? 'down' : 'up'}`);
      }
      const scenario = parseScenario(raw);
      if (o.print === true) {
        out.stdout(JSON.stringify(scenario, null, 2) + '\n');
        return;
      }
      const filestores =
        o.workdir === undefined
          ? undefined
          : {
              ground: await NativeFileStore.open(`${o.workdir}/ground`, { create: true }),
              spacecraft: await NativeFileStore.open(`${o.workdir}/spacecraft`, { create: true }),
            };
      const tm = o.telemetryOut === undefined ? undefined : createWriteStream(o.telemetryOut);
      const mission = new Mission(scenario, {
        ...(filestores === undefined ? {} : { filestores }),
        ...(tm === undefined ? {} : { onHousekeeping: (p: Uint8Array) => void tm.write(p) }),
      });
      const started = Date.now();
      const report = await mission.run({
        progressIntervalS: number(o.progress ?? '10', '--progress'),
        ...(o.quiet === true
          ? {}
          : { onProgress: (p: MissionProgress) => out.stderr(progressLine(p)) }),
        ...(o.realTime !== undefined ? { realTimeScale: number(o.realTime, '--real-time') } : {}),
      });
      const realS = (Date.now() - started) / 1000;
      if (tm !== undefined) {
        tm.end();
        await finished(tm);
        await writeFile(`${o.telemetryOut}.json`, HOUSEKEEPING_DEFINITION_JSON + '\n');
      }
      if (o.json === true) {
        out.stdout(JSON.stringify({ ...report, realTimeS: realS }) + '\n');
      } else {
        out.stdout(formatMissionReport(report));
        out.stdout(`(${realS.toFixed(1)} s of real time)\n`);
      }
      if (!report.ok) out.exitCode = 1;
    });
}
