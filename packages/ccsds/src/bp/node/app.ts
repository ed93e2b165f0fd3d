/**
 * The application interface of a running agent over loopback TCP (the messages of
 * `app-interface.ts`, each preceded by its length as 4 octets big-endian):
 *
 * - {@link BpAppServer} is the agent's side: it listens (by default on 127.0.0.1 only; the
 *   interface has no authentication, so do not expose it), and for each connected application
 *   turns `REGISTER` into a registration on the agent and `SEND` into a bundle originated by the
 *   agent, answering `REGISTERED` / `ACCEPTED` / `ERROR` in request order. Bundles delivered to
 *   the registration go to the application as `BUNDLE` messages. While the application does not
 *   read (its socket's write buffer is full) the registration is paused, so bundles stay in the
 *   agent's store instead of piling up in memory; when it ends, bundles not yet delivered stay
 *   stored for the next registration.
 * - {@link BpAppClient} is the application's side (what `ccsds bp send|recv --agent` use).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { CcsdsError, CcsdsErrorCode, TypedEmitter, checkInteger } from '../../core/index.js';
import {
  LengthPrefixDecoder,
  encodeLengthPrefixed,
  formatHostPort,
  parseHostPort,
} from '../../transport/node/index.js';
import type { BundleAgent, Registration, SendOptions } from '../agent.js';
import {
  type AppMessage,
  AppMessageType,
  decodeAppMessage,
  encodeAppMessage,
} from '../app-interface.js';
import { formatEid } from '../eid.js';

/** Default largest message of the application interface: 16 MiB of payload and its header. */
export const APP_MAX_MESSAGE_LENGTH = (16 << 20) + 8192;

/** Options of {@link BpAppServer.open}. */
export interface BpAppServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** Largest message accepted (default {@link APP_MAX_MESSAGE_LENGTH}). */
  maxMessageLength?: number;
  /** Write buffer of a connection above which its registration pauses (default 4 MiB). */
  highWaterMark?: number;
  /**
   * An access token every `REGISTER` and `SEND` must carry (at least 16 characters); without
   * one, any local process that reaches the port may register and send as this node. Requests
   * with a missing or wrong token get `ERROR` (`INVALID_ARGUMENT`, "access token").
   */
  token?: string;
}

/** Whether `given` is `token` (compared in constant time through their digests). */
function sameToken(token: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

function errorMessage(e: unknown): AppMessage {
  const code = e instanceof CcsdsError ? e.code : 'ERROR';
  const message = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
  return { type: AppMessageType.ERROR, code, message };
}

/** The agent's side of the application interface; see the module comment. */
export class BpAppServer {
  /** `tcp://host:port` it listens on. */
  readonly address: string;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly agent: BundleAgent,
    private readonly server: Server,
    private readonly opts: Required<Omit<BpAppServerOptions, 'host' | 'port' | 'token'>> & {
      token: string | undefined;
    },
  ) {
    const a = server.address();
    if (a === null || typeof a === 'string')
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'no address');
    this.address = formatHostPort('tcp', a.address, a.port);
    server.on('connection', (s) => this.attach(s));
  }

  /** Listens for applications of `agent`. */
  static async open(agent: BundleAgent, options: BpAppServerOptions = {}): Promise<BpAppServer> {
    const port = options.port ?? 0;
    checkInteger(port, 0, 65535, 'application interface port');
    if (options.token !== undefined && options.token.length < 16) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        'the application interface token needs at least 16 characters',
      );
    }
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new BpAppServer(agent, server, {
      maxMessageLength: options.maxMessageLength ?? APP_MAX_MESSAGE_LENGTH,
      highWaterMark: options.highWaterMark ?? 4 << 20,
      token: options.token,
    });
  }

  private attach(socket: Socket): void {
    this.sockets.add(socket);
    const decoder = new LengthPrefixDecoder(this.opts.maxMessageLength);
    const write = (m: AppMessage): boolean =>
      !socket.destroyed && socket.write(encodeLengthPrefixed(encodeAppMessage(m)));
    let reg: Registration | undefined;
    let service = -1;
    let left = Infinity;
    let paused = false;
    const register = (): void => {
      const r = this.agent.register(service);
      reg = r;
      r.events.on('bundle', (payload, b) => {
        if (reg !== r || left <= 0) return;
        const p = b.primary;
        const room = write({
          type: AppMessageType.BUNDLE,
          source: formatEid(p.source),
          destination: formatEid(p.destination),
          creationTime: p.creationTime,
          sequenceNumber: p.sequenceNumber,
          payload,
        });
        if (--left <= 0) {
          r.close();
          reg = undefined;
        } else if (!room && socket.writableLength >= this.opts.highWaterMark) {
          // The application is not reading: further bundles wait in the agent's store.
          r.close();
          reg = undefined;
          paused = true;
        }
      });
    };
    socket.on('drain', () => {
      if (paused && left > 0 && !socket.destroyed) {
        paused = false;
        register();
      }
    });
    const handle = async (m: AppMessage): Promise<void> => {
      const token = this.opts.token;
      if (
        token !== undefined &&
        (m.type === AppMessageType.REGISTER || m.type === AppMessageType.SEND) &&
        !sameToken(token, m.token)
      ) {
        write(
          errorMessage(
            new CcsdsError(
              CcsdsErrorCode.INVALID_ARGUMENT,
              `${m.token === undefined ? 'no' : 'wrong'} access token`,
            ),
          ),
        );
        return;
      }
      switch (m.type) {
        case AppMessageType.REGISTER:
          if (reg !== undefined || paused) {
            write(errorMessage(new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'already registered')));
            return;
          }
          if (m.node !== undefined && m.node !== this.agent.nodeId.node) {
            write(
              errorMessage(
                new CcsdsError(
                  CcsdsErrorCode.INVALID_ARGUMENT,
                  `this agent is node ${this.agent.nodeId.node}, not ${m.node}`,
                ),
              ),
            );
            return;
          }
          service = m.service;
          left = m.count ?? Infinity;
          write({
            type: AppMessageType.REGISTERED,
            endpoint: formatEid({ scheme: 'ipn', node: this.agent.nodeId.node, service }),
          });
          if (left > 0) register();
          return;
        case AppMessageType.SEND: {
          const o: SendOptions = {};
          if (m.service !== undefined) o.service = m.service;
          if (m.lifetime !== undefined) o.lifetime = m.lifetime;
          if (m.flags !== undefined) o.flags = m.flags;
          if (m.hopLimit !== undefined) o.hopLimit = m.hopLimit;
          const b = await this.agent.send(m.destination, m.payload.slice(), o);
          write({
            type: AppMessageType.ACCEPTED,
            source: formatEid(b.primary.source),
            creationTime: b.primary.creationTime,
            sequenceNumber: b.primary.sequenceNumber,
          });
          return;
        }
        default:
          throw new CcsdsError(
            CcsdsErrorCode.UNSUPPORTED,
            `an application does not send message type ${m.type}`,
          );
      }
    };
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), (bytes) => {
          let m: AppMessage;
          try {
            m = decodeAppMessage(bytes);
          } catch (e) {
            chain = chain.then(() => void write(errorMessage(e)));
            return;
          }
          chain = chain.then(() => handle(m)).catch((e: unknown) => void write(errorMessage(e)));
        });
      } catch (e) {
        // A length above the limit: the stream cannot be followed any further.
        write(errorMessage(e));
        socket.end();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      reg?.close();
      reg = undefined;
      left = 0;
    });
  }

  /** Stops listening and disconnects every application. */
  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** A bundle delivered through {@link BpAppClient}. */
export interface DeliveredBundle {
  source: string;
  destination: string;
  creationTime: number;
  sequenceNumber: number;
  payload: Uint8Array;
}

/** Events of {@link BpAppClient}. */
export type BpAppClientEvents = {
  bundle: [bundle: DeliveredBundle];
  /** The connection to the agent ended. */
  closed: [];
  error: [error: Error];
};

/** The identity of a bundle the agent accepted. */
export interface AcceptedBundle {
  source: string;
  creationTime: number;
  sequenceNumber: number;
}

/** An application connected to a running agent; see the module comment. */
export class BpAppClient {
  readonly events = new TypedEmitter<BpAppClientEvents>();
  private readonly pending: {
    expect: number;
    resolve: (m: AppMessage) => void;
    reject: (e: Error) => void;
  }[] = [];
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    maxMessageLength: number,
    private readonly token: string | undefined,
  ) {
    const decoder = new LengthPrefixDecoder(maxMessageLength);
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), (b) =>
          this.onMessage(decodeAppMessage(b)),
        );
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
        socket.destroy();
      }
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => {
      this.closed = true;
      const err = new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'connection to the agent closed');
      for (const p of this.pending.splice(0)) p.reject(err);
      this.events.emit('closed');
    });
  }

  /**
   * Connects to the agent's application interface at `tcp://host:port` (or `host:port`); with
   * `token`, every request carries it (for an interface opened with one).
   */
  static async connect(
    address: string,
    options: { maxMessageLength?: number; timeoutMs?: number; token?: string } = {},
  ): Promise<BpAppClient> {
    const a = parseHostPort(address.includes('://') ? address : `tcp://${address}`, 'tcp');
    const socket = connect({ host: a.host, port: a.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CcsdsError(CcsdsErrorCode.INVALID_STATE, `no agent answered at ${address}`));
      }, options.timeoutMs ?? 5000);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(
          new CcsdsError(CcsdsErrorCode.INVALID_STATE, `no agent at ${address}: ${e.message}`),
        );
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new BpAppClient(
      socket,
      options.maxMessageLength ?? APP_MAX_MESSAGE_LENGTH,
      options.token,
    );
  }

  private fail(e: Error): void {
    try {
      this.events.emit('error', e);
    } catch {
      // listener failures are not ours
    }
  }

  private onMessage(m: AppMessage): void {
    if (m.type === AppMessageType.BUNDLE) {
      const { type: _t, ...b } = m;
      this.events.emit('bundle', b);
      return;
    }
    const p = this.pending.shift();
    if (p === undefined) return;
    if (m.type === AppMessageType.ERROR) {
      p.reject(new Error(`agent: ${m.message} (${m.code})`));
    } else if (m.type !== p.expect) {
      p.reject(new CcsdsError(CcsdsErrorCode.INVALID_STATE, `unexpected answer type ${m.type}`));
    } else p.resolve(m);
  }

  private request(m: AppMessage, expect: number): Promise<AppMessage> {
    if (this.closed)
      return Promise.reject(new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'client is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ expect, resolve, reject });
      this.socket.write(encodeLengthPrefixed(encodeAppMessage(m)));
    });
  }

  /** Has the agent originate a bundle; resolves once it is in the agent's store. */
  async send(
    destination: string,
    payload: Uint8Array,
    options: Omit<SendOptions, 'reportTo' | 'crcType'> = {},
  ): Promise<AcceptedBundle> {
    const m = (await this.request(
      {
        type: AppMessageType.SEND,
        destination,
        payload,
        ...options,
        ...(this.token === undefined ? {} : { token: this.token }),
      },
      AppMessageType.ACCEPTED,
    )) as Extract<AppMessage, { type: 4 }>;
    return { source: m.source, creationTime: m.creationTime, sequenceNumber: m.sequenceNumber };
  }

  /**
   * Registers on the agent's endpoint `ipn:<node>.<service>`; bundles for it (stored ones
   * first) arrive as `bundle` events, at most `count` of them when given. With `node`, the
   * agent refuses unless it is that node. Resolves with the endpoint.
   */
  async register(service: number, count?: number, node?: number): Promise<string> {
    const m = (await this.request(
      {
        type: AppMessageType.REGISTER,
        service,
        ...(count === undefined ? {} : { count }),
        ...(node === undefined ? {} : { node }),
        ...(this.token === undefined ? {} : { token: this.token }),
      },
      AppMessageType.REGISTERED,
    )) as Extract<AppMessage, { type: 3 }>;
    return m.endpoint;
  }

  /** Closes the connection (a registration ends with it). */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((r) => {
      this.socket.once('close', () => r());
      this.socket.end();
    });
  }
}
