/**
 * Access rules of the web console. The console controls a CFDP entity and its filestore, so it
 * is reachable from this machine only unless the operator says otherwise:
 *
 * - It binds 127.0.0.1 by default. Any other bind address needs a token (a random one is made
 *   and printed when none is given); every HTTP request and WebSocket upgrade must then carry it
 *   (`Authorization: Bearer <token>`, the `ccsds_token` cookie that `/?token=<token>` sets, or
 *   `?token=` on a WebSocket URL).
 * - On a loopback bind the `Host` header must name the loopback address (a page on another site
 *   that rebinds its DNS name to 127.0.0.1 is refused).
 * - WebSocket upgrades must come from the console's own origin (a forged `Origin` is refused).
 * - Requests that change something must carry the `x-ccsds-console` header, which a cross-site
 *   form cannot set and a cross-site script can only set after a CORS preflight that the console
 *   never answers.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Header that every state-changing request carries (CSRF guard). */
export const CONSOLE_HEADER = 'x-ccsds-console';

/** Name of the cookie that holds the token in the browser. */
export const TOKEN_COOKIE = 'ccsds_token';

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The access policy of one running console. */
export interface AccessPolicy {
  /** The bind address. */
  bind: string;
  /** The port actually bound. */
  port: number;
  /** The token every request must carry, or undefined (loopback bind without a token). */
  token: string | undefined;
  /** Served over TLS (https and wss): the Origin must be https and the token cookie is Secure. */
  secure?: boolean;
}

/**
 * Settles the token for a bind address: the given one, a random one for a non-loopback bind,
 * none for loopback without one. Throws for a token too short to be a secret.
 */
export function settleToken(bind: string, token: string | undefined): string | undefined {
  if (token !== undefined) {
    if (token.length < 16) throw new Error('--token must be at least 16 characters');
    if (!/^[\x21-\x7e]+$/.test(token)) throw new Error('--token must be printable ASCII');
    return token;
  }
  return isLoopback(bind) ? undefined : randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name)
      return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** What a request shows of itself to the access checks. */
export interface RequestFacts {
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
  cookie: string | undefined;
  /** `token` query parameter, if any. */
  queryToken: string | undefined;
}

/** True when the request carries the policy's token (or none is needed). */
export function hasToken(p: AccessPolicy, r: RequestFacts): boolean {
  if (p.token === undefined) return true;
  const bearer = /^Bearer\s+(\S+)$/i.exec(r.authorization ?? '')?.[1];
  for (const t of [bearer, cookieValue(r.cookie, TOKEN_COOKIE), r.queryToken]) {
    if (t !== undefined && sameSecret(t, p.token)) return true;
  }
  return false;
}

/** The hosts a browser may use to reach a loopback-bound console. */
function loopbackHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** Undefined when the Host header is acceptable, else why not. */
export function hostProblem(p: AccessPolicy, r: RequestFacts): string | undefined {
  if (r.host === undefined) return 'no Host header';
  if (!isLoopback(p.bind)) return undefined;
  return loopbackHosts(p.port).has(r.host.toLowerCase())
    ? undefined
    : `Host ${r.host} is not this console's loopback address`;
}

/** Undefined when the Origin fits the console (same host and port, http or https), else why not. */
export function originProblem(
  p: AccessPolicy,
  r: RequestFacts,
  required: boolean,
): string | undefined {
  if (r.origin === undefined) return required ? 'no Origin header' : undefined;
  let u: URL;
  try {
    u = new URL(r.origin);
  } catch {
    return `malformed Origin ${r.origin}`;
  }
  if (u.protocol !== (p.secure === true ? 'https:' : 'http:'))
    return `Origin ${r.origin} is not this console`;
  const allowed = isLoopback(p.bind) ? loopbackHosts(p.port) : new Set([r.host?.toLowerCase()]);
  return allowed.has(u.host.toLowerCase()) ? undefined : `Origin ${r.origin} is not this console`;
}
