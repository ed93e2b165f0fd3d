/**
 * The server of `ccsds web`: a ground-station console on 127.0.0.1, backed by a real CFDP entity
 * (CCSDS 727.0-B-5) and packet sources (CCSDS 133.0-B-2), with a Hono HTTP API, a WebSocket for
 * live updates (transfer progress throttled per transfer, packets in batches, link counters), and
 * the Vite-built client. Without a station configuration it starts a demo spacecraft in-process
 * (see `demo.ts`) so that it works out of the box.
 * @packageDocumentation
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer, type WebSocket } from 'ws';
import { remoteConfig, simpleMib } from 'ccsds/cfdp';
import type { Scenario } from 'ccsds/mission';
import { createApp } from './app.js';
import { type StationConfig, parseStationConfig } from './config.js';
import { DEMO_ENTITY_ID, DEMO_HK_DEFINITION, DemoSpacecraft, type DemoOptions } from './demo.js';
import { linkStatuses } from './links.js';
import { PacketSource, type ReceivedPacket } from './packets.js';
import {
  type AccessPolicy,
  type RequestFacts,
  hasToken,
  hostProblem,
  originProblem,
  settleToken,
} from './security.js';
import { SimulatedSpaceLink } from './sim-link.js';
import { Station } from './station.js';
import type { TransferRecord } from './transfers.js';

export { parseStationConfig, loadStationConfig, type StationConfig } from './config.js';
export { CONSOLE_HEADER, TOKEN_COOKIE, isLoopback } from './security.js';
export type { TransferRecord, TimelineEntry, TransferState } from './transfers.js';
export type { LinkStatus } from './links.js';
export {
  DEMO_HK_DEFINITION,
  DEMO_ENTITY_ID,
  DEMO_ALLOWED_OPERATIONS,
  encodeHousekeeping,
} from './demo.js';

/** Options of {@link startConsole}. */
export interface ConsoleOptions {
  /** The station configuration; without one, a local entity 1 and the demo spacecraft. */
  config?: StationConfig;
  /** HTTP port (default 8080; 0 picks a free one). */
  port?: number;
  /** Bind address (default 127.0.0.1; anything else requires a token). */
  bind?: string;
  /** Access token (a random one is made for a non-loopback bind when absent). */
  token?: string;
  /** Demo spacecraft settings (used when the demo runs). */
  demo?: Omit<DemoOptions, 'groundEntityId'>;
  /**
   * A simulated mission scenario (`ccsds/mission`): the spacecraft sits behind a simulated space
   * link in real time instead of the demo's plain UDP link (see `sim-link.ts`).
   */
  sim?: Scenario;
  /** Folder of the built client (default: this package's `dist/client`). */
  clientDir?: string;
  /** Largest upload from the browser in octets (default 1 GiB). */
  maxUploadOctets?: number;
  /**
   * Serve over TLS (https and wss) with this key and certificate chain (PEM), so that the access
   * token and everything else is encrypted beyond loopback.
   */
  tls?: { key: string; cert: string };
}

/** A running console. */
export interface RunningConsole {
  /** `http://host:port/` or `https://…` (with `?token=` when a token is needed). */
  url: string;
  port: number;
  token: string | undefined;
  /** The local CFDP entity's filestore root. */
  filestore: string;
  /** The demo spacecraft's filestore root, when the demo runs. */
  demoFilestore: string | undefined;
  /** Stops everything (sockets, entities, temporary folders). */
  close(): Promise<void>;
}

/** Packets sent to one browser per batch; more are left out of the live view (and counted). */
const MAX_BATCH = 1000;
/** Most packets sent from the ring to a browser that just connected. */
const BACKLOG = 500;

function defaultClientDir(): string | undefined {
  for (const rel of ['../../dist/client', '../client']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(p, 'index.html'))) return p;
  }
  return undefined;
}

function b64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function packetJson(p: ReceivedPacket): { s: string; t: number; b: string } {
  return { s: p.source, t: p.t, b: b64(p.bytes) };
}

/** Starts the console; see the module comment. */
export async function startConsole(options: ConsoleOptions = {}): Promise<RunningConsole> {
  const bind = options.bind ?? '127.0.0.1';
  const token = settleToken(bind, options.token);
  const config = options.config ?? parseStationConfig({ demo: true }, process.cwd());
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const f of cleanups.reverse()) await f();
  };
  try {
    let filestoreRoot = config.cfdp.filestore;
    if (filestoreRoot === undefined) {
      const temp = mkdtempSync(join(tmpdir(), 'ccsds-web-ground-'));
      cleanups.push(() => rmSync(temp, { recursive: true, force: true }));
      filestoreRoot = temp;
    }
    const mib = config.cfdp.mib;
    const definitions = [...config.packets.definitions];
    const sourceConfigs = [...config.packets.sources];
    let sim: SimulatedSpaceLink | undefined;
    if (options.sim !== undefined) {
      const link = await SimulatedSpaceLink.create(options.sim, mib.local.entityId);
      sim = link;
      cleanups.push(() => link.close());
      if (!mib.remotes.some((r) => r.entityId === link.entityId))
        mib.remotes.push(
          remoteConfig(
            { ...link.cfdpSettings, entityId: link.entityId.toString(), address: link.address },
            'simulated spacecraft',
          ),
        );
      for (const d of link.definitions)
        if (!definitions.some((x) => x.name === d.name)) definitions.push(d);
      if (!sourceConfigs.some((x) => x.name === 'space-hk'))
        sourceConfigs.push({ name: 'space-hk', url: 'udp://127.0.0.1:0' });
    }
    let demo: DemoSpacecraft | undefined;
    if (config.demo && sim === undefined) {
      demo = await DemoSpacecraft.create({ ...options.demo, groundEntityId: mib.local.entityId });
      const d = demo;
      cleanups.push(() => d.close());
      if (!mib.remotes.some((r) => r.entityId === DEMO_ENTITY_ID))
        mib.remotes.push({
          ...simpleMib(0, [{ entityId: DEMO_ENTITY_ID, address: demo.address }]).remotes[0]!,
          sendRateBytesPerSecond: demo.rateBytesPerSecond,
          ackTimerMs: 1000,
          nakTimerMs: 1000,
          inactivityTimerMs: 30_000,
        });
      if (!definitions.some((x) => x.name === DEMO_HK_DEFINITION.name))
        definitions.push(DEMO_HK_DEFINITION);
      if (!sourceConfigs.some((s) => s.name === 'demo-hk'))
        sourceConfigs.push({ name: 'demo-hk', url: 'udp://127.0.0.1:0' });
    }

    const clients = new Set<WebSocket>();
    const send = (ws: WebSocket, msg: unknown): void => {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < 8 * 1024 * 1024)
        ws.send(JSON.stringify(msg));
    };
    const broadcast = (msg: unknown): void => {
      if (clients.size === 0) return;
      const text = JSON.stringify(msg);
      for (const ws of clients)
        if (ws.readyState === ws.OPEN && ws.bufferedAmount < 8 * 1024 * 1024) ws.send(text);
    };

    let lastCfdpAt: number | undefined;
    const station = await Station.open({
      mib,
      bind: config.cfdp.bind,
      filestore: filestoreRoot,
      maxConcurrentPuts: config.cfdp.maxConcurrentPuts,
      requestTimeoutMs: config.cfdp.requestTimeoutMs,
      onTransfer: (r: TransferRecord) => broadcast({ type: 'transfer', transfer: r }),
    });
    cleanups.push(() => station.close());
    const offMsg = station.transport.events.on('message', () => (lastCfdpAt = Date.now()));
    cleanups.push(offMsg);

    let batch: ReceivedPacket[] = [];
    let dropped = 0;
    const sources = sourceConfigs.map(
      (s) =>
        new PacketSource(s, (p) => {
          if (batch.length < MAX_BATCH) batch.push(p);
          else dropped++;
        }),
    );
    for (const s of sources) {
      cleanups.push(() => s.close());
      await s.start();
    }
    const flushTimer = setInterval(() => {
      if (batch.length === 0) return;
      broadcast({ type: 'packets', packets: batch.map(packetJson), dropped });
      batch = [];
      dropped = 0;
    }, 100);
    cleanups.push(() => clearInterval(flushTimer));

    if (demo !== undefined) {
      const hk = sources.find((s) => s.config.name === 'demo-hk')!;
      const port = Number(/:(\d+)$/.exec(hk.status.url)![1]);
      await demo.start(station.transport.address, { host: '127.0.0.1', port });
    }

    if (sim !== undefined) {
      const hk = sources.find((x) => x.config.name === 'space-hk')!;
      const port = Number(/:(\d+)$/.exec(hk.status.url)![1]);
      sim.start(station.transport.address, { host: '127.0.0.1', port });
    }

    const links = (): ReturnType<typeof linkStatuses> => [
      ...linkStatuses(station, sources, lastCfdpAt),
      ...(sim?.links() ?? []),
    ];
    const linksTimer = setInterval(() => broadcast({ type: 'links', links: links() }), 1000);
    cleanups.push(() => clearInterval(linksTimer));

    const policy: AccessPolicy = { bind, port: 0, token, secure: options.tls !== undefined };
    const maxUploadOctets = options.maxUploadOctets ?? 1024 ** 3;
    const app = createApp({
      policy,
      station,
      sources,
      definitions,
      links,
      clientDir: options.clientDir ?? defaultClientDir(),
      maxUploadOctets,
      demo:
        sim !== undefined
          ? { entityId: sim.entityId.toString(), root: sim.root }
          : demo === undefined
            ? undefined
            : { entityId: DEMO_ENTITY_ID.toString(), root: demo.root },
      ...(sim === undefined
        ? {}
        : {
            toggleLink: (id: string, enabled: boolean): boolean => {
              if (!sim.has(id)) return false;
              sim.setEnabled(id, enabled);
              return true;
            },
          }),
    });
    const server =
      options.tls === undefined
        ? createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false })
        : createAdaptorServer({
            fetch: app.fetch,
            overrideGlobalObjects: false,
            createServer: createHttpsServer,
            serverOptions: { key: options.tls.key, cert: options.tls.cert },
          });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const facts: RequestFacts = {
        host: req.headers.host,
        origin: req.headers.origin,
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        queryToken: url.searchParams.get('token') ?? undefined,
      };
      const problem =
        url.pathname !== '/ws'
          ? 'no such WebSocket endpoint'
          : (hostProblem(policy, facts) ??
            originProblem(policy, facts, true) ??
            (hasToken(policy, facts) ? undefined : 'this console needs its access token'));
      if (problem !== undefined) {
        socket.end(
          `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nrefused: ${problem}\n`,
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        clients.add(ws);
        ws.on('close', () => clients.delete(ws));
        ws.on('error', () => clients.delete(ws));
        // The client only listens; anything it sends is ignored.
        send(ws, {
          type: 'hello',
          entityId: station.entityId,
          remotes: station.remotes(),
          transfers: station.book.list(),
          links: links(),
        });
        const backlog = sources
          .flatMap((s) => s.recent().slice(-BACKLOG))
          .sort((a, b) => a.t - b.t);
        if (backlog.length > 0)
          send(ws, {
            type: 'packets',
            packets: backlog.slice(-BACKLOG).map(packetJson),
            dropped: 0,
          });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, bind, () => resolve());
    });
    const addr = server.address();
    const port = addr !== null && typeof addr === 'object' ? addr.port : 0;
    policy.port = port;
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const ws of clients) ws.terminate();
          wss.close();
          server.close(() => resolve());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    );
    const urlHost = bind.includes(':') ? `[${bind}]` : bind === '0.0.0.0' ? '127.0.0.1' : bind;
    let closed = false;
    return {
      url: `${options.tls === undefined ? 'http' : 'https'}://${urlHost}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
      port,
      token,
      filestore: station.filestore.root,
      demoFilestore: sim?.root ?? demo?.root,
      close: async () => {
        if (closed) return;
        closed = true;
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
