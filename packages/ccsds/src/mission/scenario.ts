/**
 * Scenario files of the simulated mission: the nodes, the two directions of the space link
 * (rates, frame formats, codes, Eb/N0 or a link budget, bursts), the pass plan, CFDP settings,
 * telemetry and telecommand rates, and the files to move each way. JSON, every key checked, so a
 * misspelt setting is an error and not a silent default. Times are in seconds in the file.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type { ConvRate } from '../coding/index.js';

/** A contact window of the pass plan, in seconds from the start of the run. */
export interface PassWindow {
  startS: number;
  endS: number;
}

/** Burst errors (Gilbert-Elliott): fades of `meanDurationS` every `meanGapS`, at `ebN0Db`. */
export interface ScenarioBursts {
  meanGapS: number;
  meanDurationS: number;
  ebN0Db: number;
}

/**
 * Where a direction's Eb/N0 comes from: given directly (`ebN0Db`), as a raw bit error rate, or
 * from a link budget (`budget`: a preset name of `LINK_BUDGET_PRESETS` and overrides of its
 * inputs; the data rate is the direction's information rate).
 */
export interface ScenarioSignal {
  ebN0Db?: number;
  bitErrorRate?: number;
  budget?: { preset?: string } & Record<string, unknown>;
  bursts?: ScenarioBursts;
}

/** The downlink (spacecraft to ground): TM frames through the 131.0-B-4 coding chain. */
export interface ScenarioDownlink extends ScenarioSignal {
  /** Channel symbols per second. */
  symbolRate: number;
  /** TM Transfer Frame length in octets (default 1115). */
  frameLength?: number;
  /** Reed-Solomon E (8 or 16) and interleaving, or null for none (default E 16, I from the frame). */
  rs?: { E?: 8 | 16; interleave?: number } | null;
  /** Convolutional code (default '1/2'). */
  conv?: ConvRate | 'none';
  /** Pseudo-randomiser (default true). */
  randomize?: boolean;
}

/** The uplink (ground to spacecraft): TC frames in CLTUs. */
export interface ScenarioUplink extends ScenarioSignal {
  /** Channel symbols (CLTU bits) per second. */
  symbolRate: number;
  /** Longest TC frame (default 1024). */
  maxFrameLength?: number;
  /** COP-1 sequence control (default true); false sends Type-BD frames. */
  cop1?: boolean;
  /** FOP-1 timer T1, transmission limit and window (T1 default: 2 x light time + 2 s). */
  fop?: { t1S?: number; transmissionLimit?: number; slidingWindowWidth?: number };
  /** TC randomiser (default true). */
  randomize?: boolean;
}

/** One file to move. */
export interface ScenarioTransfer {
  /** 'up' (ground to spacecraft) or 'down'. */
  direction: 'up' | 'down';
  /** File name, the same at both ends. */
  file: string;
  /** Size in octets of the generated content (seeded, so reproducible). */
  size: number;
  /** When the Put.request is made, seconds from the start (default 0). */
  atS?: number;
  /** CFDP class (default 2). */
  class?: 1 | 2;
}

/** A whole scenario. */
export interface Scenario {
  name: string;
  description?: string;
  /** Seed of every random choice (noise, bursts, file contents; default 1). */
  seed?: number;
  /** The run stops at this time even if transfers are still open (seconds). */
  maxDurationS: number;
  /** One-way light time in seconds. */
  lightTimeS: number;
  /** Contact windows; absent means always in contact. */
  passes?: PassWindow[];
  spacecraft: { entityId: number; spacecraftId: number };
  ground: { entityId: number };
  downlink: ScenarioDownlink;
  uplink: ScenarioUplink;
  /**
   * CFDP settings of the remote-entity MIB (keys of `REMOTE_DEFAULTS` of `ccsds/cfdp`, times
   * in ms as there), applied at both ends; `ground` and `spacecraft` override per end.
   */
  cfdp?: Record<string, unknown> & {
    ground?: Record<string, unknown>;
    spacecraft?: Record<string, unknown>;
  };
  /** Housekeeping period in seconds (default 1; 0 for none). */
  telemetry?: { intervalS?: number };
  /** A telecommand every `intervalS` seconds (default none). */
  commands?: { intervalS?: number };
  transfers: ScenarioTransfer[];
}

function bad(path: string, message: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `scenario ${path}: ${message}`);
}

function obj(v: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${path}.${k}`, 'unknown key');
  return o;
}

function num(
  o: Record<string, unknown>,
  key: string,
  path: string,
  min: number,
  max: number,
  required = false,
): void {
  const v = o[key];
  if (v === undefined) {
    if (required) bad(`${path}.${key}`, 'is required');
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    bad(`${path}.${key}`, `must be a number from ${min} to ${max}`);
  }
}

const SIGNAL_KEYS = ['ebN0Db', 'bitErrorRate', 'budget', 'bursts'] as const;
const CONV_RATES = ['1/2', '2/3', '3/4', '5/6', '7/8', 'none'];

function signal(o: Record<string, unknown>, path: string): void {
  num(o, 'ebN0Db', path, -20, 60);
  num(o, 'bitErrorRate', path, 0, 0.5);
  if (o['ebN0Db'] !== undefined && o['bitErrorRate'] !== undefined) {
    bad(path, 'give ebN0Db or bitErrorRate, not both');
  }
  if (o['budget'] !== undefined) {
    if (o['ebN0Db'] !== undefined || o['bitErrorRate'] !== undefined) {
      bad(path, 'give a budget or ebN0Db/bitErrorRate, not both');
    }
    if (typeof o['budget'] !== 'object' || o['budget'] === null)
      bad(`${path}.budget`, 'must be an object');
  }
  if (o['bursts'] !== undefined) {
    const b = obj(o['bursts'], `${path}.bursts`, ['meanGapS', 'meanDurationS', 'ebN0Db']);
    num(b, 'meanGapS', `${path}.bursts`, 0.001, 1e9, true);
    num(b, 'meanDurationS', `${path}.bursts`, 0.000001, 1e9, true);
    num(b, 'ebN0Db', `${path}.bursts`, -100, 60, true);
  }
}

/**
 * Checks a scenario (parsed JSON or JSON text) and returns it typed.
 * @throws CcsdsError `INVALID_ARGUMENT` naming the first bad key
 */
export function parseScenario(input: unknown): Scenario {
  let v = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (e) {
      bad('', `is not JSON: ${(e as Error).message}`);
    }
  }
  const s = obj(v, '', [
    'name',
    'description',
    'seed',
    'maxDurationS',
    'lightTimeS',
    'passes',
    'spacecraft',
    'ground',
    'downlink',
    'uplink',
    'cfdp',
    'telemetry',
    'commands',
    'transfers',
  ]);
  if (typeof s['name'] !== 'string' || s['name'] === '') bad('.name', 'must be a non-empty string');
  if (s['description'] !== undefined && typeof s['description'] !== 'string') {
    bad('.description', 'must be a string');
  }
  num(s, 'seed', '', 0, 2 ** 32 - 1);
  num(s, 'maxDurationS', '', 0.001, 1e8, true);
  num(s, 'lightTimeS', '', 0, 1e5, true);
  if (s['passes'] !== undefined) {
    if (!Array.isArray(s['passes'])) bad('.passes', 'must be a list');
    let last = -Infinity;
    s['passes'].forEach((p: unknown, i: number) => {
      const w = obj(p, `.passes[${i}]`, ['startS', 'endS']);
      num(w, 'startS', `.passes[${i}]`, 0, 1e9, true);
      num(w, 'endS', `.passes[${i}]`, 0, 1e9, true);
      if ((w['endS'] as number) <= (w['startS'] as number))
        bad(`.passes[${i}]`, 'ends before it starts');
      if ((w['startS'] as number) < last)
        bad(`.passes[${i}]`, 'overlaps or precedes the one before');
      last = w['endS'] as number;
    });
  }
  const sc = obj(s['spacecraft'], '.spacecraft', ['entityId', 'spacecraftId']);
  num(sc, 'entityId', '.spacecraft', 0, 2 ** 32, true);
  num(sc, 'spacecraftId', '.spacecraft', 0, 1023, true);
  const gr = obj(s['ground'], '.ground', ['entityId']);
  num(gr, 'entityId', '.ground', 0, 2 ** 32, true);
  if (gr['entityId'] === sc['entityId']) bad('.ground.entityId', 'equals the spacecraft entity ID');
  const dl = obj(s['downlink'], '.downlink', [
    ...SIGNAL_KEYS,
    'symbolRate',
    'frameLength',
    'rs',
    'conv',
    'randomize',
  ]);
  signal(dl, '.downlink');
  num(dl, 'symbolRate', '.downlink', 1, 1e10, true);
  num(dl, 'frameLength', '.downlink', 16, 2048);
  if (dl['rs'] !== undefined && dl['rs'] !== null) {
    const rs = obj(dl['rs'], '.downlink.rs', ['E', 'interleave']);
    if (rs['E'] !== undefined && rs['E'] !== 8 && rs['E'] !== 16)
      bad('.downlink.rs.E', 'must be 8 or 16');
    num(rs, 'interleave', '.downlink.rs', 1, 8);
  }
  if (dl['conv'] !== undefined && !CONV_RATES.includes(dl['conv'] as string)) {
    bad('.downlink.conv', `must be one of ${CONV_RATES.join(', ')}`);
  }
  const ul = obj(s['uplink'], '.uplink', [
    ...SIGNAL_KEYS,
    'symbolRate',
    'maxFrameLength',
    'cop1',
    'fop',
    'randomize',
  ]);
  signal(ul, '.uplink');
  num(ul, 'symbolRate', '.uplink', 1, 1e10, true);
  num(ul, 'maxFrameLength', '.uplink', 16, 1024);
  if (ul['fop'] !== undefined) {
    const f = obj(ul['fop'], '.uplink.fop', ['t1S', 'transmissionLimit', 'slidingWindowWidth']);
    num(f, 't1S', '.uplink.fop', 0.001, 1e6);
    num(f, 'transmissionLimit', '.uplink.fop', 1, 255);
    num(f, 'slidingWindowWidth', '.uplink.fop', 1, 255);
  }
  for (const [k, o] of [
    ['randomize', dl],
    ['randomize', ul],
    ['cop1', ul],
  ] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') bad(`.${k}`, 'must be true or false');
  }
  if (s['cfdp'] !== undefined && (typeof s['cfdp'] !== 'object' || s['cfdp'] === null)) {
    bad('.cfdp', 'must be an object');
  }
  if (s['telemetry'] !== undefined) {
    num(obj(s['telemetry'], '.telemetry', ['intervalS']), 'intervalS', '.telemetry', 0, 1e6);
  }
  if (s['commands'] !== undefined) {
    num(obj(s['commands'], '.commands', ['intervalS']), 'intervalS', '.commands', 0.001, 1e6);
  }
  if (!Array.isArray(s['transfers'])) bad('.transfers', 'must be a list');
  const names = new Set<string>();
  s['transfers'].forEach((t: unknown, i: number) => {
    const p = `.transfers[${i}]`;
    const o = obj(t, p, ['direction', 'file', 'size', 'atS', 'class']);
    if (o['direction'] !== 'up' && o['direction'] !== 'down')
      bad(`${p}.direction`, "must be 'up' or 'down'");
    if (typeof o['file'] !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(o['file'])) {
      bad(`${p}.file`, 'must be a plain file name (letters, digits, . _ -)');
    }
    const key = `${o['direction'] as string}:${o['file']}`;
    if (names.has(key)) bad(`${p}.file`, 'is transferred twice in the same direction');
    names.add(key);
    num(o, 'size', p, 0, 2 ** 40, true);
    num(o, 'atS', p, 0, 1e9);
    if (o['class'] !== undefined && o['class'] !== 1 && o['class'] !== 2)
      bad(`${p}.class`, 'must be 1 or 2');
  });
  return s as unknown as Scenario;
}
