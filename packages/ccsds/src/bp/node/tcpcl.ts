/**
 * `TcpclConvergenceLayer`: TCPCLv4 (RFC 9174) over `node:net`, addressed `tcpcl://host:port`.
 * It listens for sessions and opens one to a peer on the first `send` to it; later sends reuse
 * the session. A bundle from a session arrives with `from` = that session's address (the peer's
 * listening address for sessions we opened, `tcpcl://ip:port` of the connection otherwise);
 * replies to `from` go back over the same session. `send` resolves only once the peer has
 * acknowledged the whole bundle, and rejects when the peer refuses it or the session ends
 * before the final acknowledgement, so an agent keeps the bundle and sends it again (the
 * bundles are also reported in the `unacknowledged` event). With `tls` the layer offers TLS
 * (RFC 9174 §4.4) and secures every session whose peer offers it too (`node:tls`); the node ID a
 * peer announces in SESS_INIT is then authenticated against the `ipn:`/`dtn:` URIs in its
 * certificate's subjectAltName (§4.4.3, see {@link TcpclTlsOptions.nodeIdAuthentication}).
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  RealClock,
  TypedEmitter,
  checkInteger,
} from '../../core/index.js';
import { formatHostPort, parseHostPort, type TransportEvents } from '../../transport/index.js';
import type { ClaStats, ConvergenceLayer } from '../cla.js';
import { formatEid, parseEid } from '../eid.js';
import { TcpclSession, TerminationReason } from '../tcpcl.js';

/** Options of {@link TcpclConvergenceLayer.open}. */
export interface TcpclOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free port; 4556 is the registered TCPCL port). */
  port?: number;
  /** This node's ID sent in SESS_INIT (default `ipn:0.0`... set it: e.g. `ipn:1.0`). */
  nodeId?: string;
  /** Keepalive interval offered, seconds (default 30; 0 disables). */
  keepaliveInterval?: number;
  /** Largest segment accepted (default 1 MiB). */
  segmentMru?: number;
  /** Largest bundle accepted and sent (default 16 MiB). */
  transferMru?: number;
  /** Clock for keepalive and timeouts (default real). */
  clock?: Clock;
  /** Time allowed to connect and establish a session, ms (default 10,000). */
  connectTimeoutMs?: number;
  /** TLS (RFC 9174 §4.4): offered in the contact header when given. */
  tls?: TcpclTlsOptions;
}

/**
 * TLS of a TCPCL layer. Sessions it accepts use `key`/`cert` (a TLS server); sessions it opens
 * verify the peer's certificate against `ca` and the host or IP address of the peer's
 * address (a TLS client, presenting `key`/`cert` when given). On both sides the peer's
 * certificate is also checked against the node ID the peer announces in SESS_INIT (RFC 9174
 * §4.4.3, Node ID authentication): the certificate's subjectAltName entries of type
 * uniformResourceIdentifier with an `ipn` or `dtn` scheme are its node IDs, and when it names
 * any, one must equal the SESS_INIT node ID, or the session is terminated with reason contact
 * failure before it is established (an `error` event says why). A certificate naming no node ID
 * is accepted by default (the RFC leaves that to local policy; the certificate was still verified
 * against `ca`, and by the client against the peer's host); see {@link TcpclTlsOptions.nodeIdAuthentication}.
 */
export interface TcpclTlsOptions {
  /** Private key (PEM). */
  key?: string | Uint8Array;
  /** Certificate chain (PEM). */
  cert?: string | Uint8Array;
  /** Trusted certificate authorities (PEM; default Node's bundled roots). */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Refuse sessions that do not negotiate TLS (default false: plain TCPCL with peers without TLS). */
  require?: boolean;
  /** Verify the peer's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** Ask the peers that connect to us for a certificate, verified against `ca` (default false). */
  requestCert?: boolean;
  /**
   * Node ID authentication (RFC 9174 §4.4.3): `'if-present'` (default) refuses a session whose
   * peer certificate names node IDs none of which is the peer's SESS_INIT node ID; `'required'`
   * also refuses one whose peer presented no certificate or a certificate naming no node ID.
   */
  nodeIdAuthentication?: 'if-present' | 'required';
}

/** Extra events: bundles a peer did not acknowledge before its session ended. */
export type TcpclClaEvents = TransportEvents & {
  unacknowledged: [peer: string, bundles: Uint8Array[]];
};

interface Entry {
  session: TcpclSession;
  socket: Socket;
}

type LayerOptions = Required<Omit<TcpclOptions, 'host' | 'port' | 'tls'>> & {
  tls: TcpclTlsOptions | undefined;
};

/** TCPCLv4 convergence layer; see the module comment. */
export class TcpclConvergenceLayer implements ConvergenceLayer {
  readonly protocol = 'tcpcl';
  /** `send` resolves once the peer acknowledged every octet: none is read after that. */
  readonly releasesSentBundles = true;
  readonly events = new TypedEmitter<TcpclClaEvents>() as unknown as TypedEmitter<TransportEvents> &
    TypedEmitter<TcpclClaEvents>;
  readonly stats: ClaStats = { bundlesSent: 0, bundlesReceived: 0, dropped: 0 };
  readonly address: string;
  readonly maxMessageLength: number;
  private readonly sessions = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<Entry>>();
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    address: string,
    private readonly options: LayerOptions,
  ) {
    this.address = address;
    this.maxMessageLength = options.transferMru;
    server.on('connection', (s) => {
      const key = formatHostPort('tcpcl', s.remoteAddress ?? '?', s.remotePort ?? 0);
      this.attach(s, key, false);
    });
  }

  /** Listens and returns the layer. */
  static async open(options: TcpclOptions = {}): Promise<TcpclConvergenceLayer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    checkInteger(port, 0, 65535, 'TCPCL port');
    const o = {
      nodeId: options.nodeId ?? 'ipn:0.0',
      keepaliveInterval: options.keepaliveInterval ?? 30,
      segmentMru: options.segmentMru ?? 1 << 20,
      transferMru: options.transferMru ?? 16 << 20,
      clock: options.clock ?? new RealClock(),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      tls: options.tls,
    };
    checkInteger(o.keepaliveInterval, 0, 0xffff, 'keepalive interval');
    checkInteger(o.segmentMru, 1, Number.MAX_SAFE_INTEGER, 'segment MRU');
    checkInteger(o.transferMru, 1, Number.MAX_SAFE_INTEGER, 'transfer MRU');
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    if (a === null || typeof a === 'string')
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'no address');
    return new TcpclConvergenceLayer(server, formatHostPort('tcpcl', a.address, a.port), o);
  }

  /** Node IDs of the peers with an established session. */
  get peers(): string[] {
    return [...this.sessions.values()]
      .map((e) => e.session.peerNodeId)
      .filter((x): x is string => x !== undefined);
  }

  private attach(socket: Socket, key: string, active: boolean, peerHost?: string): Entry {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    // The stream the session reads and writes: the socket, or the TLS layer over it.
    let stream: Socket = socket;
    // Writes made in one turn of the event loop (segments, acknowledgements) leave in one
    // writev: the stream is corked on the first and uncorked on the next tick.
    let corked: Socket | undefined;
    const uncork = (): void => {
      corked?.uncork();
      corked = undefined;
    };
    const cork = (): void => {
      if (corked !== undefined) return;
      corked = stream;
      stream.cork();
      setImmediate(uncork);
    };
    const full = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const s = stream;
        const done = (): void => {
          s.off('drain', done);
          s.off('close', done);
          resolve();
        };
        s.on('drain', done);
        s.on('close', done);
      });
    const onData = (chunk: Buffer): void =>
      session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    const tls = this.options.tls;
    const startTls = async (client: boolean): Promise<void> => {
      if (tls === undefined) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'no TLS options');
      // Our contact header must be on the wire before the TLS layer takes the socket over.
      uncork();
      await new Promise<void>((resolve) => socket.write(new Uint8Array(0), () => resolve()));
      socket.off('data', onData);
      const pem = (v: string | Uint8Array): string | Buffer =>
        typeof v === 'string' ? v : Buffer.from(v);
      const common = {
        ...(tls.key === undefined ? {} : { key: pem(tls.key) }),
        ...(tls.cert === undefined ? {} : { cert: pem(tls.cert) }),
        ...(tls.ca === undefined
          ? {}
          : { ca: Array.isArray(tls.ca) ? tls.ca.map(pem) : pem(tls.ca) }),
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
      };
      const secure = client
        ? tlsConnect({ ...common, socket, ...(peerHost === undefined ? {} : { host: peerHost }) })
        : new TLSSocket(socket, {
            ...common,
            isServer: true,
            requestCert: tls.requestCert ?? false,
          });
      await new Promise<void>((resolve, reject) => {
        secure.once(client ? 'secureConnect' : 'secure', () => resolve());
        secure.once('error', reject);
        secure.once('close', () => reject(new Error('connection closed during the TLS handshake')));
      });
      secure.on('error', (e) => this.error(e));
      secure.on('data', onData);
      stream = secure;
    };
    const authenticateNodeId = (peerNodeId: string): string | undefined => {
      const cert = stream instanceof TLSSocket ? stream.getPeerX509Certificate() : undefined;
      const ids = certificateNodeIds(cert?.subjectAltName);
      if (ids.length === 0) {
        if (tls?.nodeIdAuthentication !== 'required') return undefined;
        return cert === undefined
          ? 'the peer presented no certificate'
          : 'its certificate names no node ID (no ipn or dtn URI in subjectAltName)';
      }
      const want = normalNodeId(peerNodeId);
      if (ids.some((id) => normalNodeId(id) === want)) return undefined;
      return `its certificate names ${ids.join(', ')}`;
    };
    const session = new TcpclSession(
      {
        write: (data) => {
          if (stream.destroyed || !stream.writable) return Promise.resolve();
          cork();
          return stream.write(data) ? Promise.resolve() : full();
        },
        writev: (parts) => {
          if (stream.destroyed || !stream.writable) return undefined;
          cork();
          let ok = true;
          for (const part of parts) ok = stream.write(part);
          return ok ? undefined : full();
        },
        close: () => stream.end(),
        ...(tls === undefined ? {} : { startTls, authenticateNodeId }),
      },
      {
        nodeId: this.options.nodeId,
        active,
        clock: this.options.clock,
        keepaliveInterval: this.options.keepaliveInterval,
        segmentMru: this.options.segmentMru,
        transferMru: this.options.transferMru,
        contactTimeoutMs: this.options.connectTimeoutMs,
        canTls: tls !== undefined,
        requireTls: tls?.require ?? false,
      },
    );
    const entry = { session, socket };
    this.sessions.set(key, entry);
    session.events.on('bundle', (data) => {
      this.stats.bundlesReceived++;
      try {
        this.events.emit('message', data, key);
      } catch (e) {
        this.error(e);
      }
    });
    session.events.on('established', () => this.events.emit('link', key, true));
    session.events.on('error', (e) => this.error(e));
    session.events.on('refused', (id, reason) =>
      this.error(
        new CcsdsError(
          CcsdsErrorCode.INVALID_STATE,
          `${key} refused transfer ${id} (reason ${reason})`,
        ),
      ),
    );
    session.events.on('closed', (_reason, left) => {
      if (this.sessions.get(key) === entry) this.sessions.delete(key);
      if (left.length > 0)
        (this.events as TypedEmitter<TcpclClaEvents>).emit('unacknowledged', key, left);
      this.events.emit('link', key, false);
    });
    socket.on('data', onData);
    socket.on('error', (e) => this.error(e));
    socket.on('close', () => {
      this.sockets.delete(socket);
      session.close();
    });
    return entry;
  }

  private error(e: unknown): void {
    try {
      this.events.emit('error', e instanceof Error ? e : new Error(String(e)));
    } catch {
      // nothing more to do
    }
  }

  private session(to: string): Promise<Entry> {
    const existing = this.sessions.get(to);
    if (
      existing !== undefined &&
      existing.session.state !== 'closed' &&
      existing.session.state !== 'ending'
    ) {
      return existing.session.ready().then(() => existing);
    }
    const pending = this.opening.get(to);
    if (pending !== undefined) return pending;
    const a = parseHostPort(to, 'tcpcl');
    if (a.port === 0) throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `port 0 in ${to}`);
    const p = new Promise<Entry>((resolve, reject) => {
      const socket = connect({ host: a.host, port: a.port });
      const onError = (e: Error): void => {
        socket.destroy();
        reject(e);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        const entry = this.attach(socket, to, true, a.host);
        entry.session.ready().then(
          () => resolve(entry),
          (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
        );
      });
    }).finally(() => this.opening.delete(to));
    this.opening.set(to, p);
    return p;
  }

  /** {@inheritDoc Transport.send} Opens a session to `to` when there is none. */
  send(to: string, bundle: Uint8Array): Promise<void> {
    if (this.closing !== undefined)
      return Promise.reject(
        new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'convergence layer is closed'),
      );
    if (!(bundle instanceof Uint8Array) || bundle.length === 0) {
      return Promise.reject(
        new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'a bundle is a non-empty Uint8Array'),
      );
    }
    if (bundle.length > this.maxMessageLength) {
      return Promise.reject(
        new CcsdsError(
          CcsdsErrorCode.LIMIT_EXCEEDED,
          `bundle of ${bundle.length} octets exceeds the tcpcl convergence layer maximum of ${this.maxMessageLength} octets`,
        ),
      );
    }
    const existing = this.sessions.get(to);
    // The common case, a session up already, without an async function's extra promises.
    if (existing !== undefined && existing.session.state === 'established')
      return existing.session.send(bundle).then(this.countSent);
    return this.sendOpening(to, bundle);
  }

  private async sendOpening(to: string, bundle: Uint8Array): Promise<void> {
    const entry = await this.session(to);
    await entry.session.send(bundle);
    this.stats.bundlesSent++;
  }

  /** Counts a bundle the peer acknowledged (one function for every send). */
  private readonly countSent = (): void => {
    this.stats.bundlesSent++;
  };

  /** Terminates every session (SESS_TERM) and stops listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const serverClosed = new Promise<void>((r) => this.server.close(() => r()));
      const ends = [...this.sessions.values()].map(
        (e) =>
          new Promise<void>((resolve) => {
            if (e.socket.destroyed) {
              resolve();
              return;
            }
            e.socket.once('close', () => resolve());
            e.session.terminate(TerminationReason.UNKNOWN);
            setTimeout(() => {
              e.socket.destroy();
              resolve();
            }, 2500).unref();
          }),
      );
      await Promise.all(ends);
      for (const s of this.sockets) s.destroy();
      await serverClosed;
    })();
    return this.closing;
  }
}

/**
 * The node IDs in a certificate (RFC 9174 §4.4.1 NODE-ID): its subjectAltName entries of type
 * uniformResourceIdentifier whose scheme is `ipn` or `dtn`, read from Node's text form of the
 * extension (`URI:ipn:2.0, IP Address:127.0.0.1`; a value with special characters is quoted as
 * a JSON string).
 */
function certificateNodeIds(subjectAltName: string | undefined): string[] {
  const ids: string[] = [];
  const s = subjectAltName ?? '';
  let i = 0;
  while (i < s.length) {
    const colon = s.indexOf(':', i);
    if (colon < 0) break;
    const type = s.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (s[j] === '"') {
      let k = j + 1;
      while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        break; // not the form Node writes: no node ID read from the rest
      }
      j = k + 1;
    } else {
      const end = s.indexOf(', ', j);
      j = end < 0 ? s.length : end;
      value = s.slice(colon + 1, j);
    }
    if (type === 'URI' && /^(ipn|dtn):/i.test(value)) ids.push(value);
    if (!s.startsWith(', ', j)) break;
    i = j + 2;
  }
  return ids;
}

/** A node ID in canonical text (as `formatEid` writes it), or as given when it does not parse. */
function normalNodeId(id: string): string {
  try {
    return formatEid(parseEid(id));
  } catch {
    return id;
  }
}
