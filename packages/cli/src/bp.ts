/**
 * `ccsds bp agent|send|recv|file-cla`: the Bundle Protocol (RFC 9171) on the command line.
 * `agent` runs a forwarding node until interrupted, with `--app` an application interface on
 * loopback TCP; `send` and `recv` either talk to such a running agent (`--agent host:port`, as
 * ION's bpsource/bpsink talk to their local node) or run a short-lived node of their own that
 * sends one bundle (waiting until it has left) or prints the bundles that arrive for an
 * endpoint; `file-cla read|write` read and append ION File CLA files. `--json` everywhere.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RealClock, toHex } from 'ccsds/core';
import {
  BundleAgent,
  type Contact,
  type ConvergenceLayer,
  decodeBundle,
  describeBundle,
  formatEid,
  parseEid,
} from 'ccsds/bp';
import {
  type TcpclTlsOptions,
  BpAppClient,
  BpAppServer,
  JournalBundleStore,
  FileClaReader,
  FileClaWriter,
  openConvergenceLayer,
} from 'ccsds/bp/node';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';

interface NodeFlags {
  node?: string;
  bind?: string[];
  route?: string[];
  config?: string;
  state?: string;
  json?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsRequire?: boolean;
  tlsNodeId?: string;
}

interface NodeConfig {
  node: number;
  bind: string[];
  routes: { node: number; address: string }[];
  contacts: Contact[];
  state?: string;
  tls?: TcpclTlsOptions;
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function parseRoute(text: string): { node: number; address: string } {
  const m = /^(\d+)=(.+)$/.exec(text);
  if (m === null) throw new CliFailure(`--route must be NODE=ADDRESS, got '${text}'`, 2);
  return { node: parseInteger(m[1]!, 1, Number.MAX_SAFE_INTEGER, 'route node'), address: m[2]! };
}

/** Reads `--config` (JSON: node, bind, routes {"N": address}, contacts, state) and applies flags. */
function nodeConfig(f: NodeFlags): NodeConfig {
  let cfg: Partial<Omit<NodeConfig, 'routes'>> & { routes?: Record<string, string> } = {};
  if (f.config !== undefined) {
    try {
      cfg = JSON.parse(readFileSync(f.config, 'utf8')) as typeof cfg;
    } catch (e) {
      throw new CliFailure(
        `cannot read --config ${f.config}: ${e instanceof Error ? e.message : String(e)}`,
        2,
      );
    }
  }
  const routes: { node: number; address: string }[] = [];
  if (cfg.routes !== undefined && typeof cfg.routes === 'object' && cfg.routes !== null) {
    for (const [k, v] of Object.entries(cfg.routes)) routes.push(parseRoute(`${k}=${v}`));
  }
  for (const r of f.route ?? []) routes.push(parseRoute(r));
  const node =
    f.node !== undefined ? parseInteger(f.node, 1, Number.MAX_SAFE_INTEGER, '--node') : cfg.node;
  if (node === undefined) throw new CliFailure('--node (or "node" in --config) is required', 2);
  const bind = [...(cfg.bind ?? []), ...(f.bind ?? [])];
  const out: NodeConfig = { node, bind, routes, contacts: cfg.contacts ?? [] };
  const state = f.state ?? cfg.state;
  if (state !== undefined) out.state = state;
  if (f.tlsCert !== undefined || f.tlsKey !== undefined || f.tlsCa !== undefined) {
    const read = (file: string, what: string): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliFailure(
          `cannot read ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`,
          2,
        );
      }
    };
    out.tls = {
      ...(f.tlsCert === undefined ? {} : { cert: read(f.tlsCert, '--tls-cert') }),
      ...(f.tlsKey === undefined ? {} : { key: read(f.tlsKey, '--tls-key') }),
      ...(f.tlsCa === undefined ? {} : { ca: read(f.tlsCa, '--tls-ca') }),
      require: f.tlsRequire === true,
    };
    if (f.tlsNodeId !== undefined) {
      if (f.tlsNodeId !== 'if-present' && f.tlsNodeId !== 'required') {
        throw new CliFailure(
          `--tls-node-id must be if-present or required, not ${JSON.stringify(f.tlsNodeId)}`,
          2,
        );
      }
      out.tls.nodeIdAuthentication = f.tlsNodeId;
    }
  } else if (f.tlsRequire === true || f.tlsNodeId !== undefined)
    throw new CliFailure(
      '--tls-require and --tls-node-id need --tls-cert/--tls-key or --tls-ca',
      2,
    );
  return out;
}

async function startNode(
  cfg: NodeConfig,
): Promise<{ agent: BundleAgent; clas: ConvergenceLayer[] }> {
  const clas: ConvergenceLayer[] = [];
  try {
    for (const b of cfg.bind)
      clas.push(
        await openConvergenceLayer(b, {
          nodeId: `ipn:${cfg.node}.0`,
          ...(cfg.tls === undefined ? {} : { tls: cfg.tls }),
        }),
      );
  } catch (e) {
    await Promise.all(clas.map((c) => c.close()));
    throw new CliFailure(`cannot bind: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  // A route over a protocol not bound locally gets a sending-only layer on an ephemeral port.
  for (const r of cfg.routes) {
    const scheme = r.address.slice(0, Math.max(0, r.address.indexOf('://')));
    if (!clas.some((c) => c.protocol === scheme) && scheme !== 'file') {
      clas.push(
        await openConvergenceLayer(`${scheme}://127.0.0.1:0`, {
          nodeId: `ipn:${cfg.node}.0`,
          ...(cfg.tls === undefined ? {} : { tls: cfg.tls }),
        }),
      );
    }
  }
  const agent = new BundleAgent({
    node: cfg.node,
    clock: new RealClock(),
    clas,
    routes: cfg.routes,
    contacts: cfg.contacts,
    ...(cfg.state === undefined ? {} : { store: new JournalBundleStore(cfg.state) }),
  });
  return { agent, clas };
}

async function stopNode(n: { agent: BundleAgent; clas: ConvergenceLayer[] }): Promise<void> {
  n.agent.close();
  await Promise.all(n.clas.map((c) => c.close()));
}

function line(
  out: Output,
  json: boolean | undefined,
  obj: Record<string, unknown>,
  text: string,
): void {
  out.stdout(json === true ? `${JSON.stringify(obj)}\n` : `${text}\n`);
}

function nodeOptions(c: Command): Command {
  return c
    .option('--node <n>', 'this node number (ipn:N.0)')
    .option(
      '--bind <address>',
      'convergence layer to listen on (udp|stcp|tcpcl://host:port, file:///inbox); repeatable',
      collect,
    )
    .option('--route <node=address>', 'next hop for a destination node; repeatable', collect)
    .option('--config <file>', 'JSON node configuration (node, bind, routes, contacts, state)')
    .option('--state <dir>', 'folder of the agent journal (bundles kept across restarts)')
    .option('--tls-cert <pem>', 'TCPCL TLS: certificate chain of this node (PEM file)')
    .option('--tls-key <pem>', 'TCPCL TLS: private key of this node (PEM file)')
    .option('--tls-ca <pem>', "TCPCL TLS: CA certificates to verify peers' certificates (PEM file)")
    .option('--tls-require', 'TCPCL TLS: refuse sessions without TLS')
    .option(
      '--tls-node-id <policy>',
      "TCPCL TLS: node ID in peers' certificates (RFC 9174 §4.4.3): if-present (checked when the certificate names one; default) or required",
    )
    .option('--json', 'JSON lines output');
}

/** `--agent` talks to a running agent: the options that configure a node of our own conflict. */
function standAloneOnly(f: NodeFlags): void {
  const given = (['node', 'bind', 'route', 'config', 'state'] as const).filter(
    (k) => f[k] !== undefined,
  );
  if (given.length > 0)
    throw new CliFailure(
      `--agent uses a running agent; --${given.join(', --')} configure a node of its own`,
      2,
    );
}

async function connectAgent(address: string): Promise<BpAppClient> {
  try {
    return await BpAppClient.connect(address);
  } catch (e) {
    throw new CliFailure(e instanceof Error ? e.message : String(e), 1);
  }
}

/** Adds `bp agent|send|recv|file-cla` to `program`. */
export function registerBpCommands(program: Command, out: Output): void {
  const bp = program
    .command('bp')
    .description('Bundle Protocol v7 (RFC 9171): agent, send, receive, File CLA');

  nodeOptions(bp.command('agent').description('run a bundle agent until interrupted'))
    .option('--duration <ms>', 'stop after this many milliseconds')
    .option(
      '--app <host:port>',
      'application interface for bp send/recv --agent (loopback TCP, no authentication)',
    )
    .action(async (f: NodeFlags & { duration?: string; app?: string }) => {
      const cfg = nodeConfig(f);
      const n = await startNode(cfg);
      let app: BpAppServer | undefined;
      if (f.app !== undefined) {
        const m = /^(?:tcp:\/\/)?(.+):(\d+)$/.exec(f.app);
        if (m === null) {
          await stopNode(n);
          throw new CliFailure(`--app must be HOST:PORT, got '${f.app}'`, 2);
        }
        try {
          app = await BpAppServer.open(n.agent, {
            host: m[1]!.replace(/^\[|\]$/g, ''),
            port: parseInteger(m[2]!, 0, 65535, '--app port'),
          });
        } catch (e) {
          await stopNode(n);
          throw new CliFailure(
            `cannot open --app ${f.app}: ${e instanceof Error ? e.message : String(e)}`,
            1,
          );
        }
      }
      n.agent.events.on('forwarded', (b, to) =>
        line(
          out,
          f.json,
          { event: 'forwarded', bundle: describeBundle(b), to },
          `forwarded ${describeBundle(b)} to ${to}`,
        ),
      );
      n.agent.events.on('delivered', (b) =>
        line(
          out,
          f.json,
          { event: 'delivered', bundle: describeBundle(b) },
          `delivered ${describeBundle(b)}`,
        ),
      );
      n.agent.events.on('deleted', (b, reason) =>
        line(
          out,
          f.json,
          { event: 'deleted', bundle: describeBundle(b), reason },
          `deleted ${describeBundle(b)} (reason ${reason})`,
        ),
      );
      n.agent.events.on('error', (e) => out.stderr(`ccsds bp agent: ${e.message}\n`));
      line(
        out,
        f.json,
        {
          event: 'started',
          node: cfg.node,
          bind: n.clas.map((c) => c.address),
          ...(app === undefined ? {} : { app: app.address }),
        },
        `ipn:${cfg.node}.0 listening on ${n.clas.map((c) => c.address).join(', ')}` +
          (app === undefined ? '' : `; applications on ${app.address}`),
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (f.duration !== undefined)
          setTimeout(stop, parseInteger(f.duration, 0, 2 ** 31 - 1, '--duration')).unref();
      });
      await app?.close();
      await stopNode(n);
    });

  nodeOptions(
    bp
      .command('send')
      .description('send one bundle: a file, - for stdin, or --text')
      .argument('<eid>', 'destination, e.g. ipn:2.1')
      .argument('[file]', 'payload file, or - for stdin'),
  )
    .option('--text <text>', 'payload text')
    .option('--lifetime <ms>', 'bundle lifetime', '86400000')
    .option('--service <n>', 'source service number', '1')
    .option('--timeout <ms>', 'give up when the bundle has not left after this long', '10000')
    .option('--agent <host:port>', "hand the bundle to a running agent's application interface")
    .action(
      async (
        eid: string,
        file: string | undefined,
        f: NodeFlags & {
          text?: string;
          lifetime: string;
          service: string;
          timeout: string;
          agent?: string;
        },
      ) => {
        let dest;
        try {
          dest = parseEid(eid);
        } catch (e) {
          throw new CliFailure(e instanceof Error ? e.message : String(e), 2);
        }
        let payload: Uint8Array;
        if (f.text !== undefined) payload = new TextEncoder().encode(f.text);
        else if (file === '-') payload = new Uint8Array(readFileSync(0));
        else if (file !== undefined) payload = new Uint8Array(readFileSync(file));
        else throw new CliFailure('give a payload file, - for stdin, or --text', 2);
        const lifetime = parseInteger(f.lifetime, 1, Number.MAX_SAFE_INTEGER, '--lifetime');
        const service = parseInteger(f.service, 0, Number.MAX_SAFE_INTEGER, '--service');
        if (f.agent !== undefined) {
          standAloneOnly(f);
          const client = await connectAgent(f.agent);
          try {
            const a = await client.send(formatEid(dest), payload, { lifetime, service });
            const id = `${a.source}@${a.creationTime}.${a.sequenceNumber} -> ${formatEid(dest)}`;
            line(
              out,
              f.json,
              { sent: id, to: 'agent', agent: f.agent, payloadLength: payload.length },
              `sent ${id} (${payload.length} octets) through the agent at ${f.agent}`,
            );
          } catch (e) {
            throw new CliFailure(e instanceof Error ? e.message : String(e), 1);
          } finally {
            await client.close();
          }
          return;
        }
        const cfg = nodeConfig(f);
        const n = await startNode(cfg);
        try {
          const left = new Promise<string>((resolve, reject) => {
            n.agent.events.on('forwarded', (_b, to) => resolve(to));
            n.agent.events.on('delivered', () => resolve('local'));
            setTimeout(
              () =>
                reject(
                  new CliFailure(
                    `bundle not sent within ${f.timeout} ms (no route or contact?)`,
                    1,
                  ),
                ),
              parseInteger(f.timeout, 0, 2 ** 31 - 1, '--timeout'),
            ).unref(); // the process ends as soon as the bundle has left
          });
          const b = await n.agent.send(dest, payload, { lifetime, service });
          const to = await left;
          line(
            out,
            f.json,
            { sent: describeBundle(b), to, payloadLength: payload.length },
            `sent ${describeBundle(b)} (${payload.length} octets) to ${to}`,
          );
        } finally {
          await stopNode(n);
        }
      },
    );

  nodeOptions(
    bp
      .command('recv')
      .description('print bundles arriving for an endpoint of this node')
      .argument('<eid>', 'local endpoint, e.g. ipn:2.1'),
  )
    .option('--count <n>', 'exit after this many bundles')
    .option('--timeout <ms>', 'exit after this long')
    .option('--agent <host:port>', "register at a running agent's application interface")
    .action(
      async (eid: string, f: NodeFlags & { count?: string; timeout?: string; agent?: string }) => {
        let e;
        try {
          e = parseEid(eid);
        } catch (err) {
          throw new CliFailure(err instanceof Error ? err.message : String(err), 2);
        }
        if (e.scheme !== 'ipn') throw new CliFailure('recv needs an ipn endpoint', 2);
        const max =
          f.count === undefined ? Infinity : parseInteger(f.count, 1, 2 ** 31 - 1, '--count');
        const timeout =
          f.timeout === undefined
            ? undefined
            : parseInteger(f.timeout, 0, 2 ** 31 - 1, '--timeout');
        let got = 0;
        const print = (
          payload: Uint8Array,
          b: { source: string; creationTime: number; sequenceNumber: number },
        ): void => {
          got++;
          line(
            out,
            f.json,
            {
              source: b.source,
              creationTime: b.creationTime,
              sequenceNumber: b.sequenceNumber,
              payloadHex: toHex(payload),
            },
            new TextDecoder().decode(payload),
          );
        };
        if (f.agent !== undefined) {
          standAloneOnly(f);
          const client = await connectAgent(f.agent);
          try {
            await new Promise<void>((resolve, reject) => {
              client.events.on('bundle', (b) => {
                if (got >= max) return;
                print(b.payload, b);
                if (got >= max) resolve();
              });
              client.events.on('closed', () => resolve());
              process.once('SIGINT', () => resolve());
              if (timeout !== undefined) setTimeout(resolve, timeout).unref();
              client.register(e.service, max === Infinity ? undefined : max, e.node).catch(reject);
            });
          } catch (err) {
            throw err instanceof CliFailure
              ? err
              : new CliFailure(err instanceof Error ? err.message : String(err), 1);
          } finally {
            await client.close();
          }
          if (got < max && max !== Infinity) out.exitCode = 1;
          return;
        }
        const cfg = nodeConfig({ node: String(e.node), ...f });
        if (cfg.node !== e.node)
          throw new CliFailure(`${eid} is not an endpoint of node ${cfg.node}`, 2);
        const n = await startNode(cfg);
        try {
          await new Promise<void>((resolve) => {
            const reg = n.agent.register(e.service);
            reg.events.on('bundle', (payload, b) => {
              print(payload, {
                source: formatEid(b.primary.source),
                creationTime: b.primary.creationTime,
                sequenceNumber: b.primary.sequenceNumber,
              });
              if (got >= max) resolve();
            });
            process.once('SIGINT', () => resolve());
            if (timeout !== undefined) setTimeout(resolve, timeout).unref();
          });
        } finally {
          await stopNode(n);
        }
        if (got < max && max !== Infinity) out.exitCode = 1;
      },
    );

  const fc = bp.command('file-cla').description("ION's File convergence layer files");
  fc.command('read')
    .description(
      'read the frames of a File CLA file (from its start, or the saved position with --resume)',
    )
    .argument('<file>')
    .option('--resume', 'continue from <file>.pos and save the position')
    .option('--max <octets>', 'largest bundle', String(1 << 20))
    .option('--json', 'JSON lines output')
    .action((file: string, f: { resume?: boolean; max: string; json?: boolean }) => {
      const max = parseInteger(f.max, 1, 2 ** 32 - 1, '--max');
      const reader = new FileClaReader(file, {
        positionFile: f.resume === true ? `${file}.pos` : null,
        maxBundleLength: max,
      });
      for (const r of reader.readAvailable()) {
        if (r.result === 'bundle') {
          let summary = '';
          try {
            summary = describeBundle(decodeBundle(r.bundle));
          } catch (e) {
            summary = `not a valid bundle: ${e instanceof Error ? e.message : String(e)}`;
          }
          line(
            out,
            f.json,
            {
              offset: r.offset,
              result: 'bundle',
              length: r.bundle.length,
              next: r.next,
              bundle: summary,
              hex: toHex(r.bundle),
            },
            `${r.offset}: bundle of ${r.bundle.length} octets: ${summary}`,
          );
        } else if (r.result === 'error') {
          line(
            out,
            f.json,
            { offset: r.offset, result: 'error', error: r.error.message, next: r.next },
            `${r.offset}: error: ${r.error.message}`,
          );
        } else {
          line(
            out,
            f.json,
            { offset: r.offset, result: 'waiting', next: r.next },
            `${r.offset}: waiting at end of file (position ${r.next})`,
          );
        }
      }
    });
  fc.command('write')
    .description('append encoded bundles (files) to a File CLA file as frames')
    .argument('<file>')
    .argument('<bundles...>', 'files each holding one encoded bundle')
    .option('--json', 'JSON output')
    .action((file: string, bundles: string[], f: { json?: boolean }) => {
      const w = new FileClaWriter(file);
      for (const b of bundles) {
        const bytes = new Uint8Array(readFileSync(b));
        try {
          decodeBundle(bytes);
        } catch (e) {
          throw new CliFailure(
            `${b} is not a valid bundle: ${e instanceof Error ? e.message : String(e)}`,
            1,
          );
        }
        w.write(bytes);
        line(
          out,
          f.json,
          { appended: b, length: bytes.length },
          `appended ${b} (${bytes.length} octets)`,
        );
      }
    });
}
