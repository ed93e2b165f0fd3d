/**
 * The application interface of a bundle agent: the services a bundle protocol agent offers
 * its application agents (RFC 9171 §3.3: commencing and terminating a registration,
 * transmitting a bundle, delivering a bundle), as messages between an application and a
 * running agent — what
 * ION's `bpsource`/`bpsink` do through the local node's shared memory, here over a local byte
 * stream (`BpAppServer` and `BpAppClient` in `ccsds/bp/node` carry each message with a 4-octet
 * big-endian length prefix over loopback TCP).
 *
 * A message is `type (1 octet) | header length (4 octets, big-endian) | header (UTF-8 JSON
 * object) | payload (the rest)`. Application to agent: `REGISTER` (service, optional count of
 * bundles wanted and node expected), `SEND` (destination and send options, with the payload),
 * each with the agent's access token when its interface requires one. Agent to
 * application, in the order of the requests: `REGISTERED`, `ACCEPTED` (the bundle's identity
 * once it is in the agent's store), `ERROR`; and `BUNDLE` for each bundle delivered to a
 * registration. {@link decodeAppMessage} checks every field and throws only `CcsdsError`.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** Message type codes of the application interface. */
export const AppMessageType = {
  REGISTER: 1,
  SEND: 2,
  REGISTERED: 3,
  ACCEPTED: 4,
  BUNDLE: 5,
  ERROR: 6,
} as const;

/** A message of the application interface; see the module comment. */
export type AppMessage =
  | {
      type: 1;
      /** Service number to register on (`ipn:<node>.<service>`). */
      service: number;
      /** Deliver at most this many bundles, then end the registration (default: no limit). */
      count?: number;
      /** The node the application expects the agent to be; refused (ERROR) if it is another. */
      node?: number;
      /** The agent's access token, when its application interface requires one. */
      token?: string;
    }
  | {
      type: 2;
      /** Destination endpoint, e.g. `ipn:2.1`. */
      destination: string;
      /** Source service number (the agent's default when absent). */
      service?: number;
      /** Lifetime, ms. */
      lifetime?: number;
      /** Bundle processing control flags. */
      flags?: number;
      hopLimit?: number;
      /** The agent's access token, when its application interface requires one. */
      token?: string;
      payload: Uint8Array;
    }
  | { type: 3; endpoint: string }
  | { type: 4; source: string; creationTime: number; sequenceNumber: number }
  | {
      type: 5;
      source: string;
      destination: string;
      creationTime: number;
      sequenceNumber: number;
      payload: Uint8Array;
    }
  | { type: 6; code: string; message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes one message (without the stream's length prefix). */
export function encodeAppMessage(m: AppMessage): Uint8Array {
  const { type, ...rest } = m;
  const payload = 'payload' in rest ? rest.payload : new Uint8Array(0);
  const header: Record<string, unknown> = { ...rest };
  delete header.payload;
  const h = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(5 + h.length + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, h.length);
  out.set(h, 5);
  out.set(payload, 5 + h.length);
  return out;
}

function bad(what: string, offset = 5): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `application message: ${what}`, { offset });
}

function int(h: Record<string, unknown>, key: string, optional: boolean): number | undefined {
  const v = h[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw bad(`${key} must be a non-negative integer`);
  return v;
}

function str(h: Record<string, unknown>, key: string): string {
  const v = h[key];
  if (typeof v !== 'string' || v.length > 1024) throw bad(`${key} must be a string`);
  return v;
}

/** Limits of {@link decodeAppMessage}. */
export interface AppMessageLimits {
  /** Largest header (default 4,096 octets). */
  maxHeaderLength?: number;
}

/** Decodes one message; throws `CcsdsError` (`TRUNCATED`, `INVALID_FIELD`, `UNSUPPORTED`, `LIMIT_EXCEEDED`). */
export function decodeAppMessage(bytes: Uint8Array, limits: AppMessageLimits = {}): AppMessage {
  if (bytes.length < 5)
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'application message shorter than 5 octets', {
      offset: bytes.length,
    });
  const type = bytes[0]!;
  const hl = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(1);
  if (hl > (limits.maxHeaderLength ?? 4096))
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `application message header of ${hl} octets`,
      { offset: 1 },
    );
  if (5 + hl > bytes.length)
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'application message header overruns it', {
      offset: 1,
    });
  let h: unknown;
  try {
    h = JSON.parse(decoder.decode(bytes.subarray(5, 5 + hl)));
  } catch {
    throw bad('header is not UTF-8 JSON');
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw bad('header is not an object');
  const o = h as Record<string, unknown>;
  const payload = bytes.subarray(5 + hl);
  const noPayload = (): void => {
    if (payload.length > 0) throw bad('unexpected payload', 5 + hl);
  };
  switch (type) {
    case AppMessageType.REGISTER: {
      noPayload();
      const count = int(o, 'count', true);
      const node = int(o, 'node', true);
      const m: AppMessage = { type, service: int(o, 'service', false)! };
      if (count !== undefined) m.count = count;
      if (node !== undefined) m.node = node;
      if (o['token'] !== undefined) m.token = str(o, 'token');
      return m;
    }
    case AppMessageType.SEND: {
      const m: AppMessage = { type, destination: str(o, 'destination'), payload };
      for (const k of ['service', 'lifetime', 'flags', 'hopLimit'] as const) {
        const v = int(o, k, true);
        if (v !== undefined) m[k] = v;
      }
      if (o['token'] !== undefined) m.token = str(o, 'token');
      return m;
    }
    case AppMessageType.REGISTERED:
      noPayload();
      return { type, endpoint: str(o, 'endpoint') };
    case AppMessageType.ACCEPTED:
      noPayload();
      return {
        type,
        source: str(o, 'source'),
        creationTime: int(o, 'creationTime', false)!,
        sequenceNumber: int(o, 'sequenceNumber', false)!,
      };
    case AppMessageType.BUNDLE:
      return {
        type,
        source: str(o, 'source'),
        destination: str(o, 'destination'),
        creationTime: int(o, 'creationTime', false)!,
        sequenceNumber: int(o, 'sequenceNumber', false)!,
        payload,
      };
    case AppMessageType.ERROR:
      noPayload();
      return { type, code: str(o, 'code'), message: str(o, 'message') };
    default:
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `application message type ${type}`, {
        offset: 0,
      });
  }
}
