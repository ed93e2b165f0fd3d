/**
 * The CFDP Management Information Base (CCSDS 727.0-B-5 §8): the local entity's settings and a
 * table of remote entities with their address, timers, limits, NAK mode, class, checksum, CRC,
 * maximum PDU size and protocol version. Loadable from JSON with clear errors.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { ChecksumType, ConditionCode, FaultHandlerCode } from './constants.js';
import { isSupportedChecksumType } from './checksum.js';

/** How the receiver detects and asks for lost segments (727.0-B-5 §4.6.4). */
export const NakMode = {
  /** A NAK as soon as a gap is seen. */
  IMMEDIATE: 'immediate',
  /** NAKs only after the EOF arrived. */
  DEFERRED: 'deferred',
  /** NAKs only when the sender prompts for them. */
  PROMPTED: 'prompted',
  /** NAKs at any time the receiver's user or a periodic timer asks (`asynchronousNakInterval`). */
  ASYNCHRONOUS: 'asynchronous',
} as const;
/** One of {@link NakMode}. */
export type NakMode = (typeof NakMode)[keyof typeof NakMode];

/** Settings per remote entity (and defaults for puts to it). */
export interface RemoteEntityConfig {
  /** The remote entity ID. */
  entityId: bigint;
  /** Transport address, e.g. `udp://127.0.0.1:5111`. */
  address: string;
  /** Protocol version to speak: 1 (727.0-B-5) or 0 (727.0-B-3). Default 1. */
  version: number;
  /** Default class for puts: 1 unacknowledged, 2 acknowledged. Default 2. */
  defaultClass: 1 | 2;
  /** Class 1: request a Finished PDU (closure). Default false. */
  closureRequested: boolean;
  /** Checksum type for files sent to this entity. Default CRC-32 (3). */
  checksumType: number;
  /** Append a CRC to every PDU. Default false. */
  crc: boolean;
  /** Largest file segment (File Data content octets). Default 1024. */
  maxFileSegmentLength: number;
  /** Largest PDU in octets (NAKs are split to fit). Default 65,535. */
  maxPduLength: number;
  /** Entity ID field width in octets (1..8); default the smallest that fits both IDs. */
  entityIdLength?: number;
  /** Transaction sequence number width in octets (1..8). Default 4. */
  transactionSeqNumLength: number;
  /** Positive acknowledgement timer (ms). Default 5000. */
  ackTimerMs: number;
  /** Expirations of the ACK timer before the ACK limit fault. Default 10. */
  ackLimit: number;
  /** NAK timer (ms). Default 5000. */
  nakTimerMs: number;
  /** NAK timer expirations before the NAK limit fault. Default 10. */
  nakLimit: number;
  /** Inactivity timer (ms). Default 60,000. */
  inactivityTimerMs: number;
  /** Class 1 check timer (ms) after an EOF with missing data. Default 5000. */
  checkTimerMs: number;
  /** Check timer expirations before the check limit fault. Default 3. */
  checkLimit: number;
  /** Receiver Keep Alive interval in Class 2 (ms); 0 disables. Default 10,000. */
  keepAliveIntervalMs: number;
  /** Sender: most octets the receiver's progress may lag before the keep alive limit fault; 0 disables. */
  keepAliveDiscrepancyLimit: number;
  /** Lost segment detection mode. Default immediate. */
  nakMode: NakMode;
  /** Asynchronous NAK mode: interval of the periodic NAK (ms). Default 5000. */
  asynchronousNakIntervalMs: number;
  /** Sender: in prompted mode, interval between Prompt(NAK) PDUs after EOF (ms). Default 2000. */
  promptIntervalMs: number;
  /** Sender: most file data octets per second to this entity; 0 = unlimited. */
  sendRateBytesPerSecond: number;
  /** What this entity may ask of us (remote operations, destructive filestore actions). */
  allowedOperations: string[];
  /** Most transactions this entity may have open with us at once as sender. Default 100. */
  maxIncomingTransactions: number;
  /** Most new transactions per second this entity may start with us. Default 50. */
  maxNewTransactionsPerSecond: number;
  /**
   * Sender: most file data this entity's NAKs may make us send again in one transaction, as a
   * multiple of the file size (a file smaller than one segment counts as one segment; each
   * Metadata sent again counts as one segment). Beyond it the transaction ends with the NAK limit
   * reached condition, so a peer that NAKs the whole file over and over cannot make us
   * retransmit without bound. 0 disables the check. Default 20.
   */
  maxRetransmissionFactor: number;
}

/** Fault handler per condition code. */
export type FaultHandlerTable = Record<number, number>;

/** The local entity's settings. */
export interface LocalEntityConfig {
  entityId: bigint;
  /** Fault handlers by condition code (defaults: cancel for everything). */
  faultHandlers: FaultHandlerTable;
  /** Progress events per transaction at most every this many ms. Default 250. */
  progressIntervalMs: number;
  /** Largest file accepted from a peer, in octets. Default 2^53-1. */
  maxFileSize: number;
  /** Most transactions open at once (both directions). Default 1000. */
  maxTransactions: number;
}

/** A whole MIB. */
export interface Mib {
  local: LocalEntityConfig;
  remotes: RemoteEntityConfig[];
}

/** Default remote settings (everything but ID and address). */
export const REMOTE_DEFAULTS: Omit<RemoteEntityConfig, 'entityId' | 'address'> = {
  version: 1,
  defaultClass: 2,
  closureRequested: false,
  checksumType: ChecksumType.CRC32,
  crc: false,
  maxFileSegmentLength: 1024,
  maxPduLength: 65535,
  transactionSeqNumLength: 4,
  ackTimerMs: 5000,
  ackLimit: 10,
  nakTimerMs: 5000,
  nakLimit: 10,
  inactivityTimerMs: 60_000,
  checkTimerMs: 5000,
  checkLimit: 3,
  keepAliveIntervalMs: 10_000,
  keepAliveDiscrepancyLimit: 0,
  nakMode: NakMode.IMMEDIATE,
  asynchronousNakIntervalMs: 5000,
  promptIntervalMs: 2000,
  sendRateBytesPerSecond: 0,
  allowedOperations: [],
  maxIncomingTransactions: 100,
  maxNewTransactionsPerSecond: 50,
  maxRetransmissionFactor: 20,
};

/** The default fault handler table: notice of cancellation for every fault. */
export function defaultFaultHandlers(): FaultHandlerTable {
  const t: FaultHandlerTable = {};
  for (const cc of Object.values(ConditionCode)) {
    if (cc !== ConditionCode.NO_ERROR && cc < 14) t[cc] = FaultHandlerCode.NOTICE_OF_CANCELLATION;
  }
  return t;
}

function fail(path: string, msg: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `MIB ${path}: ${msg}`);
}

function entityIdOf(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return BigInt(v);
  return fail(path, 'must be a non-negative integer (number or decimal/0x string)');
}

function intIn(
  o: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  path: string,
  dflt: number,
): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return fail(
      `${path}.${key}`,
      `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

const KNOWN_REMOTE_KEYS = new Set([
  'entityId',
  'address',
  ...Object.keys(REMOTE_DEFAULTS),
  'entityIdLength',
]);

/** Completes and checks one remote entity's settings. */
export function remoteConfig(input: Record<string, unknown>, path = 'remote'): RemoteEntityConfig {
  for (const k of Object.keys(input))
    if (!KNOWN_REMOTE_KEYS.has(k)) fail(`${path}.${k}`, 'unknown setting');
  const address = input['address'];
  if (typeof address !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    fail(`${path}.address`, 'must be a URL such as udp://127.0.0.1:5111');
  }
  const d = REMOTE_DEFAULTS;
  const nakMode = input['nakMode'] ?? d.nakMode;
  if (!Object.values(NakMode).includes(nakMode as NakMode)) {
    fail(`${path}.nakMode`, `must be one of ${Object.values(NakMode).join(', ')}`);
  }
  const checksumType = intIn(input, 'checksumType', 0, 15, path, d.checksumType);
  if (!isSupportedChecksumType(checksumType))
    fail(`${path}.checksumType`, `type ${checksumType} is not supported`);
  const defaultClass = intIn(input, 'defaultClass', 1, 2, path, d.defaultClass) as 1 | 2;
  const bool = (k: keyof typeof d): boolean => {
    const v = input[k];
    if (v === undefined) return d[k] as boolean;
    if (typeof v !== 'boolean') fail(`${path}.${k}`, 'must be true or false');
    return v;
  };
  const ops = input['allowedOperations'] ?? [];
  if (!Array.isArray(ops) || !ops.every((x) => typeof x === 'string'))
    fail(`${path}.allowedOperations`, 'must be a list of strings');
  const cfg: RemoteEntityConfig = {
    entityId: entityIdOf(input['entityId'], `${path}.entityId`),
    address,
    version: intIn(input, 'version', 0, 1, path, d.version),
    defaultClass,
    closureRequested: bool('closureRequested'),
    checksumType,
    crc: bool('crc'),
    maxFileSegmentLength: intIn(
      input,
      'maxFileSegmentLength',
      1,
      65000,
      path,
      d.maxFileSegmentLength,
    ),
    maxPduLength: intIn(input, 'maxPduLength', 64, 65535, path, d.maxPduLength),
    transactionSeqNumLength: intIn(
      input,
      'transactionSeqNumLength',
      1,
      8,
      path,
      d.transactionSeqNumLength,
    ),
    ackTimerMs: intIn(input, 'ackTimerMs', 1, 86_400_000, path, d.ackTimerMs),
    ackLimit: intIn(input, 'ackLimit', 1, 1_000_000, path, d.ackLimit),
    nakTimerMs: intIn(input, 'nakTimerMs', 1, 86_400_000, path, d.nakTimerMs),
    nakLimit: intIn(input, 'nakLimit', 1, 1_000_000, path, d.nakLimit),
    inactivityTimerMs: intIn(
      input,
      'inactivityTimerMs',
      1,
      30 * 86_400_000,
      path,
      d.inactivityTimerMs,
    ),
    checkTimerMs: intIn(input, 'checkTimerMs', 1, 86_400_000, path, d.checkTimerMs),
    checkLimit: intIn(input, 'checkLimit', 1, 1_000_000, path, d.checkLimit),
    keepAliveIntervalMs: intIn(
      input,
      'keepAliveIntervalMs',
      0,
      86_400_000,
      path,
      d.keepAliveIntervalMs,
    ),
    keepAliveDiscrepancyLimit: intIn(
      input,
      'keepAliveDiscrepancyLimit',
      0,
      Number.MAX_SAFE_INTEGER,
      path,
      d.keepAliveDiscrepancyLimit,
    ),
    nakMode: nakMode as NakMode,
    asynchronousNakIntervalMs: intIn(
      input,
      'asynchronousNakIntervalMs',
      1,
      86_400_000,
      path,
      d.asynchronousNakIntervalMs,
    ),
    promptIntervalMs: intIn(input, 'promptIntervalMs', 1, 86_400_000, path, d.promptIntervalMs),
    sendRateBytesPerSecond: intIn(
      input,
      'sendRateBytesPerSecond',
      0,
      Number.MAX_SAFE_INTEGER,
      path,
      d.sendRateBytesPerSecond,
    ),
    allowedOperations: ops as string[],
    maxIncomingTransactions: intIn(
      input,
      'maxIncomingTransactions',
      1,
      1_000_000,
      path,
      d.maxIncomingTransactions,
    ),
    maxNewTransactionsPerSecond: intIn(
      input,
      'maxNewTransactionsPerSecond',
      1,
      1_000_000,
      path,
      d.maxNewTransactionsPerSecond,
    ),
    maxRetransmissionFactor: intIn(
      input,
      'maxRetransmissionFactor',
      0,
      1_000_000,
      path,
      d.maxRetransmissionFactor,
    ),
  };
  if (input['entityIdLength'] !== undefined)
    cfg.entityIdLength = intIn(input, 'entityIdLength', 1, 8, path, 1);
  if (cfg.maxFileSegmentLength + 64 > cfg.maxPduLength) {
    fail(
      `${path}.maxFileSegmentLength`,
      `a segment of ${cfg.maxFileSegmentLength} octets does not fit in a PDU of ${cfg.maxPduLength}`,
    );
  }
  return cfg;
}

/** Parses and checks a MIB given as JSON text or an already parsed object. */
export function parseMib(json: string | Record<string, unknown>): Mib {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      fail('', `not valid JSON: ${(e as Error).message}`);
    }
  }
  if (obj === null || typeof obj !== 'object') fail('', 'must be an object');
  const o = obj as Record<string, unknown>;
  const l = (o['local'] ?? {}) as Record<string, unknown>;
  if (typeof l !== 'object') fail('local', 'must be an object');
  const faultHandlers = defaultFaultHandlers();
  const fh = l['faultHandlers'];
  if (fh !== undefined) {
    if (typeof fh !== 'object' || fh === null)
      fail('local.faultHandlers', 'must map condition codes to handlers');
    const names: Record<string, number> = { cancel: 1, suspend: 2, ignore: 3, abandon: 4 };
    for (const [k, v] of Object.entries(fh)) {
      const cc = Number(k);
      if (!Number.isInteger(cc) || cc < 1 || cc > 15)
        fail(`local.faultHandlers.${k}`, 'not a condition code');
      const h = typeof v === 'string' ? names[v] : v;
      if (typeof h !== 'number' || h < 1 || h > 4)
        fail(`local.faultHandlers.${k}`, 'must be cancel, suspend, ignore or abandon');
      faultHandlers[cc] = h;
    }
  }
  const local: LocalEntityConfig = {
    entityId: entityIdOf(l['entityId'], 'local.entityId'),
    faultHandlers,
    progressIntervalMs: intIn(l, 'progressIntervalMs', 0, 86_400_000, 'local', 250),
    maxFileSize: intIn(
      l,
      'maxFileSize',
      0,
      Number.MAX_SAFE_INTEGER,
      'local',
      Number.MAX_SAFE_INTEGER,
    ),
    maxTransactions: intIn(l, 'maxTransactions', 1, 1_000_000, 'local', 1000),
  };
  const rs = o['remotes'] ?? [];
  if (!Array.isArray(rs)) fail('remotes', 'must be a list');
  const remotes = rs.map((r, i) => remoteConfig(r as Record<string, unknown>, `remotes[${i}]`));
  const seen = new Set<bigint>();
  for (const r of remotes) {
    if (seen.has(r.entityId)) fail('remotes', `entity ${r.entityId} listed twice`);
    seen.add(r.entityId);
  }
  return { local, remotes };
}
