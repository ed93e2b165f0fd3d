/**
 * `ccsds link budget`: the link budget of one direction of a space link (`linkBudget` of
 * `ccsds/mission`): EIRP, free-space path loss, received power, G/T, C/N0, Eb/N0 and the margin
 * against the required Eb/N0 of a channel code (CCSDS 130.1-G figures). Start from a preset
 * (`--preset leo|lunar|mars`, `--direction down|up`) and override any input, or give them all.
 *
 * The exit code is 0 whenever the budget could be computed, whether or not the link closes: a
 * negative margin is a result, reported on its own line ("does NOT close") and as `closes: false`
 * in the JSON. Exit code 2 for missing or malformed inputs.
 */
import type { Command } from 'commander';
import {
  BOLTZMANN_DBW_PER_K_HZ,
  CODING_SCHEMES,
  type CodingScheme,
  dishGainDbi,
  LINK_BUDGET_PRESETS,
  type LinkBudget,
  type LinkBudgetInput,
  type LinkBudgetPresetName,
  linkBudget,
} from 'ccsds/mission';
import { CliFailure, type Output } from './output.js';

interface BudgetFlags {
  preset?: string;
  direction?: string;
  frequency?: string;
  distance?: string;
  power?: string;
  powerDbw?: string;
  txGain?: string;
  rxGain?: string;
  txDish?: string;
  rxDish?: string;
  efficiency?: string;
  noiseTemp?: string;
  pointingLoss?: string;
  atmosphericLoss?: string;
  polarizationLoss?: string;
  implementationLoss?: string;
  otherLoss?: string;
  rate?: string;
  coding?: string;
  requiredEbn0?: string;
  codes?: boolean;
  json?: boolean;
}

const PREFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/**
 * Parses a number with an optional SI prefix and unit: `2.2G`, `2.2GHz`, `2200 MHz`, `1e6`,
 * `1000km` (for metres), `9.6kbps`, `2 Mbit/s`. `units` are the accepted unit spellings (the
 * first one is the canonical unit; `km` is handled as k + m). Exit code 2 on bad input.
 */
export function parseQuantity(text: string, units: readonly string[], name: string): number {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([kKMGT]?)\s*([A-Za-z/]*)\s*$/.exec(
    text,
  );
  const unitOk = m !== null && (m[3] === '' || units.includes(m[3]!));
  const v = m === null ? Number.NaN : Number(m[1]) * PREFIX[m[2]!]!;
  if (!unitOk || !Number.isFinite(v)) {
    throw new CliFailure(
      `${name} must be a number with an optional k/M/G prefix and unit ${units[0]}, got '${text}'`,
      2,
    );
  }
  return v;
}

/** Parses decibels: a plain number with an optional dB, dBi, dBW or dBK unit. */
function parseDb(text: string, name: string): number {
  const m = /^\s*(\S+?)\s*(dB|dBi|dBW|dBK|db)?\s*$/.exec(text);
  const v = m === null ? Number.NaN : Number(m[1]);
  if (!Number.isFinite(v)) throw new CliFailure(`${name} must be a number of dB, got '${text}'`, 2);
  return v;
}

/** Parses a plain finite number. */
function parseNumber(text: string, name: string): number {
  const v = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(v)) throw new CliFailure(`${name} must be a number, got '${text}'`, 2);
  return v;
}

const PRESETS = Object.keys(LINK_BUDGET_PRESETS) as LinkBudgetPresetName[];

/** Builds the budget input from a preset (if any) and the flags. */
export function budgetInput(flags: BudgetFlags): LinkBudgetInput {
  let base: Partial<LinkBudgetInput> = {};
  const direction = flags.direction ?? 'down';
  if (direction !== 'down' && direction !== 'up') {
    throw new CliFailure(`--direction must be down or up, got '${direction}'`, 2);
  }
  if (flags.preset !== undefined) {
    if (!(PRESETS as string[]).includes(flags.preset)) {
      throw new CliFailure(`unknown preset '${flags.preset}' (known: ${PRESETS.join(', ')})`, 2);
    }
    const p = LINK_BUDGET_PRESETS[flags.preset as LinkBudgetPresetName];
    base = { ...(direction === 'down' ? p.downlink : p.uplink) };
    base.losses = { ...base.losses };
  }
  const input: Partial<LinkBudgetInput> = base;
  if (flags.frequency !== undefined) {
    input.frequencyHz = parseQuantity(flags.frequency, ['Hz', 'hz'], '--frequency');
  }
  if (flags.distance !== undefined) {
    input.distanceM = parseQuantity(flags.distance, ['m'], '--distance');
  }
  if (flags.power !== undefined && flags.powerDbw !== undefined) {
    throw new CliFailure('give --power or --power-dbw, not both', 2);
  }
  if (flags.power !== undefined) {
    input.txPowerW = parseQuantity(flags.power, ['W'], '--power');
    delete input.txPowerDbw;
  }
  if (flags.powerDbw !== undefined) {
    input.txPowerDbw = parseDb(flags.powerDbw, '--power-dbw');
    delete input.txPowerW;
  }
  const efficiency =
    flags.efficiency === undefined ? 0.55 : parseNumber(flags.efficiency, '--efficiency');
  for (const [gain, dish, key, name] of [
    [flags.txGain, flags.txDish, 'txAntennaGainDbi', 'tx'],
    [flags.rxGain, flags.rxDish, 'rxAntennaGainDbi', 'rx'],
  ] as const) {
    if (gain !== undefined && dish !== undefined) {
      throw new CliFailure(`give --${name}-gain or --${name}-dish, not both`, 2);
    }
    if (gain !== undefined) input[key] = parseDb(gain, `--${name}-gain`);
    if (dish !== undefined) {
      if (input.frequencyHz === undefined) {
        throw new CliFailure(`--${name}-dish needs the frequency (--frequency or --preset)`, 2);
      }
      const d = parseQuantity(dish, ['m'], `--${name}-dish`);
      input[key] = dishGainDbi(d, efficiency, input.frequencyHz);
    }
  }
  if (flags.noiseTemp !== undefined) {
    input.systemNoiseTempK = parseQuantity(flags.noiseTemp, ['K'], '--noise-temp');
  }
  const losses = { ...input.losses };
  if (flags.pointingLoss !== undefined)
    losses.pointingDb = parseDb(flags.pointingLoss, '--pointing-loss');
  if (flags.atmosphericLoss !== undefined) {
    losses.atmosphericDb = parseDb(flags.atmosphericLoss, '--atmospheric-loss');
  }
  if (flags.polarizationLoss !== undefined) {
    losses.polarizationDb = parseDb(flags.polarizationLoss, '--polarization-loss');
  }
  if (flags.implementationLoss !== undefined) {
    losses.implementationDb = parseDb(flags.implementationLoss, '--implementation-loss');
  }
  if (flags.otherLoss !== undefined) losses.otherDb = parseDb(flags.otherLoss, '--other-loss');
  input.losses = losses;
  if (flags.rate !== undefined) {
    input.dataRateBps = parseQuantity(flags.rate, ['bps', 'bit/s', 'b/s'], '--rate');
  }
  if (flags.coding !== undefined && flags.requiredEbn0 !== undefined) {
    throw new CliFailure('give --coding or --required-ebn0, not both', 2);
  }
  if (flags.coding !== undefined) {
    if (!Object.hasOwn(CODING_SCHEMES, flags.coding)) {
      throw new CliFailure(
        `unknown coding '${flags.coding}' (known: ${Object.keys(CODING_SCHEMES).join(', ')})`,
        2,
      );
    }
    input.coding = flags.coding as CodingScheme;
    delete input.requiredEbN0Db;
  }
  if (flags.requiredEbn0 !== undefined) {
    input.requiredEbN0Db = parseDb(flags.requiredEbn0, '--required-ebn0');
    delete input.coding;
  }
  const missing: string[] = [];
  if (input.frequencyHz === undefined) missing.push('--frequency');
  if (input.distanceM === undefined) missing.push('--distance');
  if (input.txPowerW === undefined && input.txPowerDbw === undefined) missing.push('--power');
  if (input.txAntennaGainDbi === undefined) missing.push('--tx-gain (or --tx-dish)');
  if (input.rxAntennaGainDbi === undefined) missing.push('--rx-gain (or --rx-dish)');
  if (input.systemNoiseTempK === undefined) missing.push('--noise-temp');
  if (input.dataRateBps === undefined) missing.push('--rate');
  if (input.coding === undefined && input.requiredEbN0Db === undefined) missing.push('--coding');
  if (missing.length > 0) {
    throw new CliFailure(`missing ${missing.join(', ')} (or start from --preset)`, 2);
  }
  return input as LinkBudgetInput;
}

/** A value with an SI prefix: [number, prefixed unit]. */
function scaled(v: number, unit: string): [string, string] {
  const a = Math.abs(v);
  const [d, p] =
    a >= 1e12
      ? [1e12, 'T']
      : a >= 1e9
        ? [1e9, 'G']
        : a >= 1e6
          ? [1e6, 'M']
          : a >= 1e3
            ? [1e3, 'k']
            : [1, ''];
  return [String(Number((v / d).toPrecision(6))), `${p}${unit}`];
}

/** The budget as aligned text lines: name, value, unit, note. */
export function formatBudget(
  input: LinkBudgetInput,
  b: LinkBudget,
  title: string | undefined,
): string {
  const l = input.losses ?? {};
  const db = (v: number): string => v.toFixed(2);
  const [fv, fu] = scaled(input.frequencyHz, 'Hz');
  const [rv, ru] = scaled(input.dataRateBps, 'bit/s');
  const rows: [string, string, string, string][] = [
    ['Frequency', fv, fu, ''],
    ['Distance', String(Number((input.distanceM / 1e3).toPrecision(7))), 'km', ''],
    [
      'Transmitter power',
      db(b.txPowerDbw),
      'dBW',
      scaled(10 ** (b.txPowerDbw / 10), 'W').join(' '),
    ],
    ['Transmit antenna gain', db(input.txAntennaGainDbi), 'dBi', ''],
    ['EIRP', db(b.eirpDbw), 'dBW', ''],
    ['Free-space path loss', db(-b.freeSpacePathLossDb), 'dB', ''],
    ['Pointing loss', db(-(l.pointingDb ?? 0)), 'dB', ''],
    ['Atmospheric loss', db(-(l.atmosphericDb ?? 0)), 'dB', ''],
    ['Polarization loss', db(-(l.polarizationDb ?? 0)), 'dB', ''],
    ['Implementation loss', db(-(l.implementationDb ?? 0)), 'dB', ''],
    ['Other losses', db(-(l.otherDb ?? 0)), 'dB', ''],
    ['Receive antenna gain', db(input.rxAntennaGainDbi), 'dBi', ''],
    ['Received power', db(b.receivedPowerDbw), 'dBW', ''],
    ['System noise temperature', db(b.systemNoiseTempDbk), 'dBK', `${input.systemNoiseTempK} K`],
    ['G/T', db(b.gOverTDbPerK), 'dB/K', ''],
    ['Boltzmann constant', db(BOLTZMANN_DBW_PER_K_HZ), 'dBW/K/Hz', ''],
    ['C/N0', db(b.cOverN0DbHz), 'dB-Hz', ''],
    ['Data rate', db(b.dataRateDbHz), 'dB-Hz', `${rv} ${ru}`],
    ['Eb/N0', db(b.ebN0Db), 'dB', ''],
    [
      'Required Eb/N0',
      db(b.requiredEbN0Db),
      'dB',
      b.coding === 'explicit' ? 'given' : `${b.coding}, ${b.target}`,
    ],
    ['Margin', db(b.marginDb), 'dB', ''],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  const lines = rows.map(([k, v, unit, note]) =>
    `  ${k.padEnd(w0)}  ${v.padStart(w1)} ${unit.padEnd(w2)}  ${note === '' ? '' : `(${note})`}`.trimEnd(),
  );
  const verdict =
    b.marginDb >= 0
      ? `Link closes with ${b.marginDb.toFixed(2)} dB of margin.`
      : `Link does NOT close: ${(-b.marginDb).toFixed(2)} dB short of the required Eb/N0.`;
  return `${title === undefined ? '' : `${title}\n`}${lines.join('\n')}\n${verdict}\n`;
}

function formatCodes(): string {
  const keys = Object.keys(CODING_SCHEMES) as CodingScheme[];
  const w = Math.max(...keys.map((k) => k.length));
  return (
    keys
      .map((k) => {
        const c = CODING_SCHEMES[k];
        return `${k.padEnd(w)}  ${c.requiredEbN0Db.toFixed(1).padStart(4)} dB at ${c.target}  rate ${c.codeRate.toFixed(3)}  ${c.description}`;
      })
      .join('\n') + '\n'
  );
}

/** Registers `budget` under the `link` command group. */
export function registerLinkBudgetCommand(link: Command, out: Output): void {
  link
    .command('budget')
    .description(
      'link budget: EIRP, path loss, C/N0, Eb/N0 and margin against a code (exit 0 also when the margin is negative)',
    )
    .option('--preset <name>', `start from a shipped link: ${PRESETS.join(', ')}`)
    .option('--direction <dir>', 'with --preset: down (space to ground, default) or up')
    .option('--frequency <hz>', 'carrier frequency, e.g. 2.2GHz or 8.45e9')
    .option('--distance <m>', 'slant range, e.g. 1000km or 2.25e11')
    .option('--power <w>', 'transmitter power in W, e.g. 2 or 20kW')
    .option('--power-dbw <dbw>', 'transmitter power in dBW')
    .option('--tx-gain <dbi>', 'transmit antenna gain, dBi')
    .option('--rx-gain <dbi>', 'receive antenna gain, dBi')
    .option('--tx-dish <m>', 'transmit parabolic dish diameter (gain from --efficiency)')
    .option('--rx-dish <m>', 'receive parabolic dish diameter (gain from --efficiency)')
    .option('--efficiency <e>', 'aperture efficiency of --tx-dish / --rx-dish (default 0.55)')
    .option('--noise-temp <k>', 'receiving system noise temperature, K')
    .option('--pointing-loss <db>', 'antenna pointing loss, dB')
    .option('--atmospheric-loss <db>', 'atmospheric attenuation, dB')
    .option('--polarization-loss <db>', 'polarisation mismatch loss, dB')
    .option('--implementation-loss <db>', 'modem implementation loss, dB')
    .option('--other-loss <db>', 'other losses (lines, radome), dB')
    .option('--rate <bps>', 'information data rate, e.g. 9600 or 2Mbps')
    .option(
      '--coding <code>',
      `channel code (see --codes): ${Object.keys(CODING_SCHEMES).join(', ')}`,
    )
    .option('--required-ebn0 <db>', 'required Eb/N0 in dB instead of a tabulated code')
    .option('--codes', 'list the codes and their required Eb/N0, then exit')
    .option('--json', 'machine-readable output')
    .action((flags: BudgetFlags) => {
      if (flags.codes === true) {
        if (flags.json === true)
          out.stdout(JSON.stringify({ codes: CODING_SCHEMES }, null, 2) + '\n');
        else out.stdout(formatCodes());
        return;
      }
      const input = budgetInput(flags);
      const budget = linkBudget(input);
      const direction = flags.direction ?? 'down';
      const title =
        flags.preset === undefined
          ? undefined
          : `${LINK_BUDGET_PRESETS[flags.preset as LinkBudgetPresetName].description} — ${direction === 'down' ? 'downlink' : 'uplink'}`;
      if (flags.json === true) {
        out.stdout(
          JSON.stringify(
            {
              ...(flags.preset === undefined ? {} : { preset: flags.preset, direction }),
              input,
              budget,
              closes: budget.marginDb >= 0,
            },
            null,
            2,
          ) + '\n',
        );
      } else out.stdout(formatBudget(input, budget, title));
    });
}
