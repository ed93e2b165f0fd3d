/**
 * Helpers every transport shares: parsing the URL-like addresses of `transport.ts`
 * (`udp://host:port`, `tcp://host:port`, `zmq+tcp://host:port`, `mem://name`), checking a
 * message before it is sent, and delivering events so that a throwing listener cannot break a
 * transport's receive path.
 */
import { CcsdsError, CcsdsErrorCode, type TypedEmitter } from '../core/index.js';
import type { TransportEvents } from './transport.js';

/** A parsed `scheme://host:port[?query]` address. */
export interface HostPortAddress {
  /** The scheme without `://`, lower case (`udp`, `tcp`, `zmq+tcp`). */
  scheme: string;
  /** Host name or IP address, without the brackets of an IPv6 literal. */
  host: string;
  /** Port, 0..65535. */
  port: number;
  /** Query parameters (`?apid=100&packetType=tc`). */
  params: Map<string, string>;
}

function bad(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Parses `scheme://host:port[?k=v&...]`. An IPv6 host is written in brackets
 * (`udp://[::1]:5000`). Throws `INVALID_ARGUMENT` for anything else, or when `scheme` is given
 * and differs.
 */
export function parseHostPort(address: string, scheme?: string): HostPortAddress {
  if (typeof address !== 'string') throw bad('address must be a string');
  const m =
    /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-fA-F:.%A-Za-z]+\]|[^/:?#[\]@\s]+):(\d{1,5})(?:\?([^#\s]*))?$/i.exec(
      address,
    );
  if (m === null) throw bad(`not a scheme://host:port address: ${JSON.stringify(address)}`);
  const s = m[1]!.toLowerCase();
  if (scheme !== undefined && s !== scheme) {
    throw bad(`expected a ${scheme}:// address, got ${JSON.stringify(address)}`);
  }
  const port = Number(m[3]);
  if (port > 65535) throw bad(`port out of range in ${JSON.stringify(address)}`);
  let host = m[2]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  const params = new Map<string, string>();
  if (m[4] !== undefined && m[4] !== '') {
    for (const kv of m[4].split('&')) {
      const eq = kv.indexOf('=');
      const k = eq < 0 ? kv : kv.slice(0, eq);
      const v = eq < 0 ? '' : kv.slice(eq + 1);
      try {
        params.set(decodeURIComponent(k), decodeURIComponent(v));
      } catch {
        throw bad(`bad query in ${JSON.stringify(address)}`);
      }
    }
  }
  return { scheme: s, host, port, params };
}

/** Formats `scheme://host:port`, putting an IPv6 host in brackets. */
export function formatHostPort(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Checks a message before sending: `data` must be a Uint8Array (`INVALID_ARGUMENT`) of at most
 * `max` octets (`LIMIT_EXCEEDED`).
 */
export function checkMessage(data: Uint8Array, max: number): void {
  if (!(data instanceof Uint8Array)) throw bad('message must be a Uint8Array');
  if (data.length > max) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `message of ${data.length} octets exceeds the transport maximum of ${max}`,
    );
  }
}

/** The error a closed transport's `send` rejects with. */
export function closedError(): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'transport is closed');
}

/**
 * Emits a `message` event; an exception thrown by a listener becomes an `error` event (an
 * exception thrown by an `error` listener in turn is dropped, so the receive path survives).
 */
export function deliver(
  events: TypedEmitter<TransportEvents>,
  data: Uint8Array,
  from: string,
): void {
  try {
    events.emit('message', data, from);
  } catch (e) {
    reportError(events, e);
  }
}

/** Emits an `error` event, wrapping non-Error values; listener exceptions are dropped. */
export function reportError(events: TypedEmitter<TransportEvents>, e: unknown): void {
  try {
    events.emit('error', e instanceof Error ? e : new Error(String(e)));
  } catch {
    // An error listener failed; nothing sensible is left to tell.
  }
}
