/**
 * The station configuration of `ccsds web --config station.json`:
 *
 * ```json
 * {
 *   "cfdp": {
 *     "mib": { "local": { "entityId": 1 }, "remotes": [{ "entityId": 2, "address": "udp://10.0.0.2:5111" }] },
 *     "bind": "udp://0.0.0.0:5111",
 *     "filestore": "./files"
 *   },
 *   "packets": {
 *     "sources": [{ "name": "hk", "url": "udp://127.0.0.1:5200" }],
 *     "definitions": "./hk.json"
 *   },
 *   "demo": false
 * }
 * ```
 *
 * `cfdp.mib` is the MIB JSON of `ccsds cfdp serve --config`. Packet sources are `udp://host:port`
 * (datagrams, bound here), `tcp://host:port` (a stream, connected to), `tcp-listen://host:port`
 * (a stream, accepted here) or `file:path` (replayed once). `definitions` is a JSON packet
 * definition file (see `ccsds/decode`) or the definitions inline. Relative paths are taken from
 * the configuration file's folder. Every key is checked: a misspelt key is an error.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Mib, parseMib } from 'ccsds/cfdp';
import { type PacketDefinition, loadJsonDefinitions } from 'ccsds/decode';

/** A packet source of the console. */
export interface PacketSourceConfig {
  /** Short name shown in the console (letters, digits, `-`, `_`). */
  name: string;
  /** `udp://host:port`, `tcp://host:port`, `tcp-listen://host:port` or `file:path`. */
  url: string;
}

/** The checked station configuration. */
export interface StationConfig {
  cfdp: {
    mib: Mib;
    /** Transport address of the local entity (default `udp://127.0.0.1:0`). */
    bind: string;
    /** Local filestore root (default: a new temporary folder). */
    filestore: string | undefined;
    /** Uploads running at once; more wait as queued (default 4). */
    maxConcurrentPuts: number;
    /** Time limit of remote requests (listing, filestore) in ms (default 20,000). */
    requestTimeoutMs: number;
  };
  packets: {
    sources: PacketSourceConfig[];
    definitions: PacketDefinition[];
  };
  /** Start the demo spacecraft in-process. */
  demo: boolean;
}

function fail(where: string, message: string): never {
  throw new Error(`station config ${where}: ${message}`);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'must be an object');
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(where, `unknown key '${k}'`);
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') fail(where, 'must be a non-empty string');
  return v;
}

function int(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(where, `must be an integer in ${min}..${max}`);
  return v;
}

const SOURCE_URL = /^(udp|tcp|tcp-listen):\/\/[^/\s]+:\d{1,5}$|^file:.+$/;

/** Checks a packet source entry. */
export function checkSource(v: unknown, where: string): PacketSourceConfig {
  const o = obj(v, where);
  onlyKeys(o, ['name', 'url'], where);
  const name = str(o['name'], `${where}.name`);
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(name))
    fail(`${where}.name`, 'must be 1..32 letters, digits, - or _');
  const url = str(o['url'], `${where}.url`);
  if (!SOURCE_URL.test(url))
    fail(
      `${where}.url`,
      'must be udp://host:port, tcp://host:port, tcp-listen://host:port or file:path',
    );
  return { name, url };
}

/**
 * Parses a station configuration. `baseDir` resolves relative paths (the config file's folder).
 * Throws an Error naming the offending key.
 */
export function parseStationConfig(input: string | unknown, baseDir: string): StationConfig {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      fail('JSON', (e as Error).message);
    }
  }
  const root = obj(doc, '(top level)');
  onlyKeys(root, ['cfdp', 'packets', 'demo'], '(top level)');
  const c = obj(root['cfdp'] ?? {}, 'cfdp');
  onlyKeys(c, ['mib', 'bind', 'filestore', 'maxConcurrentPuts', 'requestTimeoutMs'], 'cfdp');
  let mib: Mib;
  try {
    mib = parseMib(
      (c['mib'] as Record<string, unknown> | undefined) ?? { local: { entityId: 1 }, remotes: [] },
    );
  } catch (e) {
    fail('cfdp.mib', (e as Error).message);
  }
  const p = obj(root['packets'] ?? {}, 'packets');
  onlyKeys(p, ['sources', 'definitions'], 'packets');
  const sourcesRaw = p['sources'] ?? [];
  if (!Array.isArray(sourcesRaw)) fail('packets.sources', 'must be a list');
  const sources = sourcesRaw.map((s, i) => {
    const src = checkSource(s, `packets.sources[${i}]`);
    return src.url.startsWith('file:')
      ? { ...src, url: `file:${resolve(baseDir, src.url.slice(5))}` }
      : src;
  });
  if (new Set(sources.map((s) => s.name)).size !== sources.length)
    fail('packets.sources', 'names must be unique');
  let definitions: PacketDefinition[] = [];
  const d = p['definitions'];
  try {
    if (typeof d === 'string')
      definitions = loadJsonDefinitions(readFileSync(resolve(baseDir, d), 'utf8'));
    else if (d !== undefined) definitions = loadJsonDefinitions(d);
  } catch (e) {
    fail('packets.definitions', (e as Error).message);
  }
  const demo = root['demo'] ?? false;
  if (typeof demo !== 'boolean') fail('demo', 'must be true or false');
  return {
    cfdp: {
      mib,
      bind: c['bind'] === undefined ? 'udp://127.0.0.1:0' : str(c['bind'], 'cfdp.bind'),
      filestore:
        c['filestore'] === undefined
          ? undefined
          : resolve(baseDir, str(c['filestore'], 'cfdp.filestore')),
      maxConcurrentPuts:
        c['maxConcurrentPuts'] === undefined
          ? 4
          : int(c['maxConcurrentPuts'], 'cfdp.maxConcurrentPuts', 1, 64),
      requestTimeoutMs:
        c['requestTimeoutMs'] === undefined
          ? 20_000
          : int(c['requestTimeoutMs'], 'cfdp.requestTimeoutMs', 100, 3_600_000),
    },
    packets: { sources, definitions },
    demo,
  };
}

/** Reads and parses a station configuration file. */
export function loadStationConfig(path: string): StationConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read station config ${path}: ${(e as Error).message}`);
  }
  return parseStationConfig(text, dirname(resolve(path)));
}
