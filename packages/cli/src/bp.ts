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
  type AgentSecurityPolicy,
  BlockType,
  type Bundle,
  BundleAgent,
  type Contact,
  type ConvergenceLayer,
  decodeBundle,
  decryptBcb,
  describeBundle,
  encryptBcb,
  formatEid,
  parseEid,
  ShaVariant,
  signBib,
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
import { readFlagFile } from './io.js';
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

/** BPSec flags (RFC 9172/9173) of `bp send`, `bp recv` and `bp agent`. */
interface SecurityFlags {
  bibKey?: string;
  bibSha?: string;
  bcbKey?: string;
  requireBibFrom?: string[];
}

/**
 * Reads a key file: a file whose content, surrounding whitespace removed, is an even number of
 * hex digits is read as hex; any other file is the key's raw octets.
 */
function readKeyFile(file: string, flag: string): Uint8Array {
  const raw = readFlagFile(file, flag);
  const text = raw.toString('latin1').trim();
  const key = /^(?:[0-9a-fA-F]{2})+$/.test(text)
    ? new Uint8Array(Buffer.from(text, 'hex'))
    : new Uint8Array(raw);
  if (key.length === 0) throw new CliFailure(`${flag} ${file} is empty`, 2);
  return key;
}

function bcbKey(f: SecurityFlags): Uint8Array | undefined {
  if (f.bcbKey === undefined) return undefined;
  const key = readKeyFile(f.bcbKey, '--bcb-key');
  if (key.length !== 16 && key.length !== 32)
    throw new CliFailure(
      `--bcb-key must hold a 16-octet (AES-128-GCM) or 32-octet (AES-256-GCM) key, not ${key.length} octets`,
      2,
    );
  return key;
}

function shaVariant(text: string | undefined): ShaVariant {
  switch (text ?? '256') {
    case '256':
      return ShaVariant.HMAC_256;
    case '384':
      return ShaVariant.HMAC_384;
    case '512':
      return ShaVariant.HMAC_512;
    default:
      throw new CliFailure(`--bib-sha must be 256, 384 or 512, not ${JSON.stringify(text)}`, 2);
  }
}

/** `--agent` hands payloads to a running agent, which builds the bundles: no BPSec here. */
function noSecurityWithAgent(f: SecurityFlags): void {
  const given = (['bibKey', 'bibSha', 'bcbKey'] as const).filter((k) => f[k] !== undefined);
  if (given.length > 0)
    throw new CliFailure(
      `--agent: the running agent builds the bundles, so ${given
        .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
        .join(', ')} cannot apply; use the stand-alone mode (--node, --route)`,
      2,
    );
}

/**
 * The BPSec step of `bp send`: a BIB-HMAC-SHA2 over the payload (RFC 9173 §3), then a
 * BCB-AES-GCM over the payload and that BIB (RFC 9173 §4, RFC 9172 §3.9), with this node
 * (`ipn:<node>.0`) as security source.
 */
function sendSecurity(
  f: SecurityFlags,
  node: number,
): ((b: Bundle) => Promise<Bundle>) | undefined {
  if (f.bibKey === undefined && f.bibSha !== undefined)
    throw new CliFailure('--bib-sha needs --bib-key', 2);
  const variant = shaVariant(f.bibSha);
  const bib = f.bibKey === undefined ? undefined : readKeyFile(f.bibKey, '--bib-key');
  const bcb = bcbKey(f);
  if (bib === undefined && bcb === undefined) return undefined;
  const source = { scheme: 'ipn' as const, node, service: 0 };
  return async (bundle) => {
    let b = bundle;
    if (bib !== undefined)
      b = await signBib(b, { targets: [1], key: bib, source, shaVariant: variant });
    if (bcb !== undefined) {
      const bibs = b.blocks
        .filter((x) => x.blockType === BlockType.BLOCK_INTEGRITY)
        .map((x) => x.blockNumber);
      b = await encryptBcb(b, { targets: [1, ...bibs], key: bcb, source });
    }
    return b;
  };
}

/** `bp agent --require-bib-from N... --bib-key FILE`: the agent's {@link AgentSecurityPolicy}. */
function agentSecurity(f: SecurityFlags): AgentSecurityPolicy | undefined {
  const from = (f.requireBibFrom ?? []).map((n) =>
    parseInteger(n, 1, Number.MAX_SAFE_INTEGER, '--require-bib-from'),
  );
  if (f.bibSha !== undefined)
    throw new CliFailure('--bib-sha applies to bp send (the verifier reads it from the BIB)', 2);
  if (from.length === 0) {
    if (f.bibKey !== undefined) throw new CliFailure('--bib-key needs --require-bib-from', 2);
    return undefined;
  }
  if (f.bibKey === undefined) throw new CliFailure('--require-bib-from needs --bib-key', 2);
  return { requireBibFrom: from, key: readKeyFile(f.bibKey, '--bib-key') };
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
    const read = (file: string, flag: string): string => readFlagFile(file, flag).toString('utf8');
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
  security?: AgentSecurityPolicy,
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
    ...(security === undefined ? {} : { security }),
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

/** The application interface's token: `--app-token`, else `CCSDS_BP_APP_TOKEN` (if set). */
function appToken(flag: string | undefined): string | undefined {
  const t = flag ?? process.env['CCSDS_BP_APP_TOKEN'];
  return t === undefined || t === '' ? undefined : t;
}

const APP_TOKEN_HELP =
  "the agent's application interface token (or CCSDS_BP_APP_TOKEN, which keeps it out of the process list)";

async function connectAgent(address: string, token: string | undefined): Promise<BpAppClient> {
  try {
    return await BpAppClient.connect(address, token === undefined ? {} : { token });
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
      'application interface for bp send/recv --agent (loopback TCP; see --app-token)',
    )
    .option(
      '--app-token <token>',
      'require this token (16 characters at least) on the application interface (or CCSDS_BP_APP_TOKEN)',
    )
    .option(
      '--require-bib-from <node>',
      'BPSec: delete bundles from this node without a valid BIB-HMAC-SHA2 over the payload; repeatable',
      collect,
    )
    .option('--bib-key <file>', 'BPSec: HMAC key verifying those BIBs (hex text, or raw octets)')
    .action(
      async (
        f: NodeFlags & SecurityFlags & { duration?: string; app?: string; appToken?: string },
      ) => {
        const cfg = nodeConfig(f);
        const security = agentSecurity(f);
        const n = await startNode(cfg, security);
        let app: BpAppServer | undefined;
        if (f.app !== undefined) {
          const m = /^(?:tcp:\/\/)?(.+):(\d+)$/.exec(f.app);
          if (m === null) {
            await stopNode(n);
            throw new CliFailure(`--app must be HOST:PORT, got '${f.app}'`, 2);
          }
          try {
            const token = appToken(f.appToken);
            app = await BpAppServer.open(n.agent, {
              host: m[1]!.replace(/^\[|\]$/g, ''),
              port: parseInteger(m[2]!, 0, 65535, '--app port'),
              ...(token === undefined ? {} : { token }),
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
        if (security !== undefined)
          line(
            out,
            f.json,
            { event: 'stopped', securityFailures: n.agent.counts.securityFailures },
            `stopped; ${n.agent.counts.securityFailures} bundles deleted by the BPSec policy`,
          );
        await stopNode(n);
      },
    );

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
    .option('--app-token <token>', APP_TOKEN_HELP)
    .option(
      '--bib-key <file>',
      'BPSec: sign the payload with a BIB-HMAC-SHA2 from ipn:<node>.0 (key: hex text, or raw octets)',
    )
    .option('--bib-sha <bits>', 'BPSec: SHA-2 variant of the BIB: 256, 384 or 512', undefined)
    .option(
      '--bcb-key <file>',
      'BPSec: encrypt the payload with BCB-AES-GCM (16- or 32-octet key: hex text, or raw octets)',
    )
    .action(
      async (
        eid: string,
        file: string | undefined,
        f: NodeFlags &
          SecurityFlags & {
            text?: string;
            lifetime: string;
            service: string;
            timeout: string;
            agent?: string;
            appToken?: string;
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
          noSecurityWithAgent(f);
          const client = await connectAgent(f.agent, appToken(f.appToken));
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
        const secure = sendSecurity(f, cfg.node);
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
          const b = await n.agent.send(dest, payload, {
            lifetime,
            service,
            ...(secure === undefined ? {} : { secure }),
          });
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
    .option('--app-token <token>', APP_TOKEN_HELP)
    .option(
      '--bcb-key <file>',
      'BPSec: decrypt BCB-AES-GCM payloads (16- or 32-octet key: hex text, or raw octets); bundles that fail are reported and make the exit code 1',
    )
    .action(
      async (
        eid: string,
        f: NodeFlags &
          SecurityFlags & { count?: string; timeout?: string; agent?: string; appToken?: string },
      ) => {
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
          noSecurityWithAgent(f);
          const client = await connectAgent(f.agent, appToken(f.appToken));
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
        const key = bcbKey(f);
        let failed = 0;
        const n = await startNode(cfg);
        try {
          await new Promise<void>((resolve) => {
            const reg = n.agent.register(e.service);
            // Decryption is asynchronous: bundles are handled one after another, in order.
            let queue = Promise.resolve();
            const handle = async (payload: Uint8Array, b: Bundle): Promise<void> => {
              const id = {
                source: formatEid(b.primary.source),
                creationTime: b.primary.creationTime,
                sequenceNumber: b.primary.sequenceNumber,
              };
              if (key !== undefined) {
                let error: string | undefined;
                try {
                  const d = await decryptBcb(b, { key });
                  const p = d.results.find((r) => r.target === 1);
                  if (p === undefined) error = 'payload not encrypted (no BCB-AES-GCM over it)';
                  else if (!p.ok) error = `payload not decrypted: ${p.reason ?? 'failed'}`;
                  else payload = d.bundle.blocks.find((x) => x.blockNumber === 1)!.data;
                } catch (err) {
                  error = `payload not decrypted: ${err instanceof Error ? err.message : String(err)}`;
                }
                if (error !== undefined) {
                  if (got >= max) return;
                  got++;
                  failed++;
                  const text = `${id.source}@${id.creationTime}.${id.sequenceNumber}: ${error}`;
                  if (f.json === true) line(out, true, { ...id, error }, text);
                  out.stderr(`ccsds bp recv: ${text}\n`);
                  if (got >= max) resolve();
                  return;
                }
              }
              if (got >= max) return;
              print(payload, id);
              if (got >= max) resolve();
            };
            reg.events.on('bundle', (payload, b) => {
              queue = queue.then(() => handle(payload, b));
            });
            process.once('SIGINT', () => resolve());
            if (timeout !== undefined) setTimeout(resolve, timeout).unref();
          });
        } finally {
          await stopNode(n);
        }
        if ((got < max && max !== Infinity) || failed > 0) out.exitCode = 1;
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
