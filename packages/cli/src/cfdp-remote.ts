/**
 * `ccsds cfdp get|ls|rm|mv|mkdir|rmdir|status|suspend|resume|cancel`: the user operations of
 * CCSDS 727.0-B-5 §6 from the command line. Each command starts a short-lived entity (the same
 * `--entity-id/--bind/--peer/--filestore/--config` flags as `ccsds cfdp put`) with
 * `RemoteOperations` attached, sends one request to the remote entity, prints the answer and
 * exits: 0 on success, 1 when the remote refused or the operation failed, 2 for bad usage.
 *
 * The remote answers with new transactions addressed to this entity, so its MIB must know this
 * entity's address: give `--bind` the address the remote has for us.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { RealClock } from 'ccsds/core';
import {
  CfdpEntity,
  type Mib,
  type ProxyFilestoreResponse,
  type RemoteFilestoreRequest,
  RemoteOperations,
  type TransactionId,
  TransactionStatus,
  transactionKey,
} from 'ccsds/cfdp';
import { type DirectoryEntry, FilestoreAction } from 'ccsds/filestore';
import { NativeFileStore } from 'ccsds/filestore/node';
import { PacketTransport, type Transport } from 'ccsds/transport';
import { createTransport } from 'ccsds/transport/node';
import { mibFromFlags } from './cfdp.js';
import { controlRequest } from './cfdp-control.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';

/** Flags every remote command takes. */
interface RemoteFlags {
  entityId?: string;
  bind?: string;
  peer?: string[];
  filestore?: string;
  config?: string;
  packets?: string;
  json?: boolean;
  timeout: string;
}

const STATUS_NAMES: Record<number, string> = {
  [TransactionStatus.UNDEFINED]: 'undefined',
  [TransactionStatus.ACTIVE]: 'active',
  [TransactionStatus.TERMINATED]: 'terminated',
  [TransactionStatus.UNRECOGNIZED]: 'unrecognized',
};

const ACTION_NAMES: Record<number, string> = {
  [FilestoreAction.DELETE_FILE]: 'rm',
  [FilestoreAction.RENAME_FILE]: 'mv',
  [FilestoreAction.CREATE_DIRECTORY]: 'mkdir',
  [FilestoreAction.REMOVE_DIRECTORY]: 'rmdir',
};

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function entityIdArg(text: string, what: string): bigint {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text))
    throw new CliFailure(`${what} must be a non-negative integer, got '${text}'`, 2);
  const v = BigInt(text);
  if (v >= 1n << 64n) throw new CliFailure(`${what} must fit in 8 octets`, 2);
  return v;
}

/** Parses `<entity-id>:<path>`. */
function remotePath(text: string): { entity: bigint; path: string } {
  const m = /^([^:]+):(.*)$/.exec(text);
  if (m === null || m[2] === '')
    throw new CliFailure(`expected <entity-id>:<remote-path>, got '${text}'`, 2);
  return { entity: entityIdArg(m[1]!, 'entity ID'), path: m[2]! };
}

/** Parses `<source>:<sequence>`. */
function transactionIdArg(text: string): TransactionId {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (m === null) throw new CliFailure(`transaction ID must look like 2:15, got '${text}'`, 2);
  return { sourceEntityId: BigInt(m[1]!), sequenceNumber: BigInt(m[2]!) };
}

function jsonLine(out: Output, obj: Record<string, unknown>): void {
  out.stdout(
    JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n',
  );
}

function addFlags(c: Command): Command {
  return c
    .option('--entity-id <id>', 'local entity ID')
    .option('--bind <url>', 'local address (the remote must know it): udp://host:port, ...')
    .option('--peer <id=url>', 'a remote entity and its address (repeatable)', collect)
    .option('--filestore <dir>', 'local filestore root folder')
    .option('--config <file>', 'MIB as JSON (local entity, remote entities, timers, limits)')
    .option('--packets <apid>', 'carry PDUs in Space Packets with this APID')
    .option('--timeout <seconds>', 'give up after this long without an answer', '120')
    .option('--json', 'JSON instead of text');
}

/** A running local entity with the user operations attached. */
interface Session {
  ops: RemoteOperations;
  entity: CfdpEntity;
  mib: Mib;
  close(): Promise<void>;
}

/**
 * Starts the local entity. `root` is the filestore root (a temporary folder, removed on close,
 * when undefined).
 */
async function startSession(o: RemoteFlags, remote: bigint, root?: string): Promise<Session> {
  const mib = mibFromFlags(o);
  if (!mib.remotes.some((r) => r.entityId === remote))
    throw new CliFailure(
      `no address for entity ${remote}: give --peer ${remote}=udp://host:port`,
      2,
    );
  const timeoutMs = parseInteger(o.timeout, 1, 86400 * 365, '--timeout') * 1000;
  const temp = root === undefined ? mkdtempSync(join(tmpdir(), 'ccsds-cfdp-')) : undefined;
  let transport: Transport | undefined;
  try {
    const filestore = await NativeFileStore.open(root ?? temp!);
    const bind = o.bind ?? 'udp://127.0.0.1:0';
    try {
      transport = await createTransport(bind);
    } catch (e) {
      throw new CliFailure(`cannot bind ${bind}: ${(e as Error).message}`, 2);
    }
    if (o.packets !== undefined)
      transport = new PacketTransport(transport, {
        apid: parseInteger(o.packets, 0, 2046, '--packets'),
      });
    const clock = new RealClock();
    // Each command is a new process with the same entity ID: start the sequence numbers from the
    // clock so that a remote that still remembers our last run's transactions sees new ones.
    const entity = new CfdpEntity({
      mib,
      transport,
      filestore,
      clock,
      firstSequenceNumber: BigInt(Date.now() % 2 ** 32),
    });
    const ops = new RemoteOperations(entity, filestore, mib, { clock, timeoutMs });
    const t = transport;
    return {
      ops,
      entity,
      mib,
      close: async () => {
        ops.close();
        await entity.close();
        await t.close();
        if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await transport?.close();
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
    throw e;
  }
}

async function withSession<T>(
  o: RemoteFlags,
  remote: bigint,
  root: string | undefined,
  run: (s: Session) => Promise<T>,
): Promise<T> {
  const s = await startSession(o, remote, root);
  try {
    return await run(s);
  } finally {
    await s.close();
  }
}

function filestoreLines(responses: ProxyFilestoreResponse[]): string {
  return responses
    .map((r) => {
      const what = `${ACTION_NAMES[r.actionCode] ?? `action ${r.actionCode}`} ${r.firstFileName}${r.secondFileName ? ` ${r.secondFileName}` : ''}`;
      return `${what}: ${r.statusCode === 0 ? 'ok' : `failed (status ${r.statusCode}${r.filestoreMessage ? `, ${r.filestoreMessage}` : ''})`}\n`;
    })
    .join('');
}

function tableOf(entries: DirectoryEntry[]): string {
  const rows = entries.map((e) => [
    e.isDirectory ? 'd' : 'f',
    String(e.size),
    Number.isFinite(e.modifiedMs)
      ? new Date(e.modifiedMs).toISOString().slice(0, 19).replace('T', ' ')
      : '-',
    e.name,
  ]);
  const w = [1, 4, 19].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`.trimEnd() +
    '\n';
  return line(['t', 'size', 'modified', 'name']) + rows.map(line).join('');
}

/** Adds get, ls, rm, mv, mkdir, rmdir, status, suspend, resume and cancel under `cfdp`. */
export function registerCfdpRemoteCommands(cfdp: Command, out: Output): void {
  addFlags(cfdp.command('get'))
    .description('fetch a file from a remote entity (a proxy put back to us, 727.0-B-5 §6.2)')
    .argument('<source>', '<entity-id>:<remote-path>')
    .argument('<local-file>', 'where the file arrives (inside --filestore, or its folder)')
    .option('--class <n>', 'class of the transfer: 1 (unacknowledged) or 2 (acknowledged)')
    .option('--closure', 'Class 1: ask for a Finished PDU')
    .action(
      async (
        source: string,
        localFile: string,
        o: RemoteFlags & { class?: string; closure?: boolean },
      ) => {
        const { entity, path } = remotePath(source);
        const root = resolve(o.filestore ?? dirname(localFile));
        const abs = resolve(localFile);
        const rel = o.filestore === undefined ? basename(abs) : relative(root, abs);
        if (rel === '' || rel.startsWith('..') || resolve(root, rel) !== abs)
          throw new CliFailure(`${localFile} is not inside the filestore ${root}`, 2);
        const options: Parameters<RemoteOperations['get']>[3] = {
          onRequest: (id) => {
            if (o.json === true) jsonLine(out, { event: 'request', requestId: transactionKey(id) });
          },
        };
        if (o.class !== undefined)
          options.proxyTransmissionClass = parseInteger(o.class, 1, 2, '--class') as 1 | 2;
        if (o.closure === true) options.closureRequested = true;
        const r = await withSession(o, entity, root, (s) =>
          s.ops.get(entity, path, rel.split(sep).join('/'), options),
        );
        const octets = r.fileTransaction?.report.progress;
        if (o.json === true)
          jsonLine(out, {
            event: 'finished',
            ok: r.ok,
            requestId: transactionKey(r.requestId),
            conditionCode: r.conditionCode,
            deliveryCode: r.deliveryCode,
            fileStatus: r.fileStatus,
            fileTransactionId:
              r.fileTransaction === undefined
                ? undefined
                : transactionKey(r.fileTransaction.transactionId),
            octets,
          });
        else
          out.stdout(
            r.ok
              ? `got ${entity}:${path} as ${localFile} (${octets ?? 0} octets)\n`
              : `get failed: condition code ${r.conditionCode}, file status ${r.fileStatus}${r.conditionCode === 4 ? ' (refused or no such file)' : ''}\n`,
          );
        if (!r.ok) out.exitCode = 1;
      },
    );

  addFlags(cfdp.command('ls'))
    .description('list a directory of a remote entity (727.0-B-5 §6.3)')
    .argument('<directory>', '<entity-id>:<dir>')
    .action(async (target: string, o: RemoteFlags) => {
      const { entity, path } = remotePath(target);
      const r = await withSession(o, entity, o.filestore, (s) => s.ops.listDirectory(entity, path));
      if (o.json === true)
        jsonLine(out, {
          ok: r.ok,
          directory: path,
          reason: r.reason,
          entries: r.entries.map((e) => ({
            name: e.name,
            type: e.isDirectory ? 'directory' : 'file',
            size: e.size,
            modified: Number.isFinite(e.modifiedMs) ? new Date(e.modifiedMs).toISOString() : null,
          })),
        });
      else if (r.ok) out.stdout(tableOf(r.entries));
      else out.stderr(`ls failed: ${r.reason ?? 'unknown reason'}\n`);
      if (!r.ok) out.exitCode = 1;
    });

  const runFilestore = async (
    requests: RemoteFilestoreRequest[],
    entity: bigint,
    o: RemoteFlags,
  ): Promise<void> => {
    const r = await withSession(o, entity, o.filestore, (s) =>
      s.ops.remoteFilestore(entity, requests),
    );
    if (o.json === true)
      jsonLine(out, {
        ok: r.ok,
        conditionCode: r.conditionCode,
        responses: r.filestoreResponses.map((f) => ({
          actionCode: f.actionCode,
          statusCode: f.statusCode,
          firstFileName: f.firstFileName,
          secondFileName: f.secondFileName,
          message: f.filestoreMessage,
        })),
      });
    else out.stdout(filestoreLines(r.filestoreResponses));
    if (!r.ok) out.exitCode = 1;
  };
  const filestoreCommand = (name: string, action: number, description: string): void => {
    addFlags(cfdp.command(name))
      .description(`${description} on a remote entity (proxy filestore requests, 727.0-B-5 §6.2)`)
      .argument('<paths...>', '<entity-id>:<path> (all on the same entity)')
      .action(async (paths: string[], o: RemoteFlags) => {
        const targets = paths.map(remotePath);
        const entity = targets[0]!.entity;
        if (targets.some((t) => t.entity !== entity))
          throw new CliFailure('every path must name the same entity', 2);
        await runFilestore(
          targets.map((t) => ({ actionCode: action, firstFileName: t.path })),
          entity,
          o,
        );
      });
  };
  addFlags(cfdp.command('mv'))
    .description('rename a file on a remote entity (proxy filestore requests, 727.0-B-5 §6.2)')
    .argument('<from>', '<entity-id>:<path>')
    .argument('<to>', '<entity-id>:<path> or <path> (on the same entity)')
    .action(async (from: string, to: string, o: RemoteFlags) => {
      const src = remotePath(from);
      const dest = /^[^:/]+:/.test(to) ? remotePath(to) : { entity: src.entity, path: to };
      if (dest.entity !== src.entity) throw new CliFailure('mv works within one entity', 2);
      await runFilestore(
        [
          {
            actionCode: FilestoreAction.RENAME_FILE,
            firstFileName: src.path,
            secondFileName: dest.path,
          },
        ],
        src.entity,
        o,
      );
    });
  filestoreCommand('rm', FilestoreAction.DELETE_FILE, 'delete files');
  filestoreCommand('mkdir', FilestoreAction.CREATE_DIRECTORY, 'create directories');
  filestoreCommand('rmdir', FilestoreAction.REMOVE_DIRECTORY, 'remove empty directories');

  type TxFlags = RemoteFlags & { remote?: string; via?: string };
  const transactionCommand = (
    name: 'status' | 'suspend' | 'resume' | 'cancel',
    description: string,
  ): void => {
    addFlags(cfdp.command(name))
      .description(description)
      .argument('<transaction-id>', '<source-entity-id>:<sequence-number>')
      .option('--remote <entity-id>', "the entity to ask (default: the transaction's source)")
      .option('--via <url>', 'act on a transaction of a running `ccsds cfdp serve --control <url>`')
      .action(async (idText: string, o: TxFlags) => {
        const id = transactionIdArg(idText);
        if (o.via !== undefined) {
          await viaControl(name, o.via, id, o.json === true, out);
          return;
        }
        const mib = mibFromFlags(o);
        let remote: bigint;
        if (o.remote !== undefined) remote = entityIdArg(o.remote, '--remote');
        else if (name === 'cancel')
          throw new CliFailure('cancel needs --remote: the entity running the proxy put', 2);
        else remote = id.sourceEntityId;
        if (remote === mib.local.entityId)
          throw new CliFailure(
            `transaction ${idText} is local: give --remote <entity-id> or --via <control url>`,
            2,
          );
        await withSession(o, remote, o.filestore, async (s) => {
          if (name === 'cancel') {
            // Delivered when its transaction ends well (Class 2: the remote's Finished came back).
            const sent = await s.entity.waitFor(await s.ops.cancelProxyPut(remote, id));
            const ok = sent.conditionCode === 0;
            if (o.json === true)
              jsonLine(out, {
                ok,
                cancelRequested: idText,
                remote,
                conditionCode: sent.conditionCode,
              });
            else
              out.stdout(
                ok
                  ? `asked entity ${remote} to cancel the proxy put of ${idText}\n`
                  : `the cancel request did not reach entity ${remote} (condition code ${sent.conditionCode})\n`,
              );
            if (!ok) out.exitCode = 1;
            return;
          }
          if (name === 'status') {
            const r = await s.ops.remoteStatus(remote, id);
            const ok = r.responseCode === 0;
            const rep = r.report?.report;
            if (o.json === true)
              jsonLine(out, {
                ok,
                transactionId: idText,
                remote,
                transactionStatus: STATUS_NAMES[r.transactionStatus],
                report:
                  rep === undefined
                    ? undefined
                    : { ...rep, transactionId: transactionKey(rep.transactionId) },
              });
            else
              out.stdout(
                `${idText} at entity ${remote}: ${STATUS_NAMES[r.transactionStatus]}` +
                  (rep === undefined
                    ? ''
                    : `, ${rep.state}, ${rep.role} of ${rep.sourceFileName || '(no file)'}, ${rep.progress}${rep.fileSize === undefined ? '' : `/${rep.fileSize}`} octets, condition ${rep.conditionCode}`) +
                  '\n',
              );
            if (!ok) out.exitCode = 1;
            return;
          }
          const r =
            name === 'suspend'
              ? await s.ops.remoteSuspend(remote, id)
              : await s.ops.remoteResume(remote, id);
          const ok =
            (name === 'suspend') === r.suspensionIndicator &&
            r.transactionStatus !== TransactionStatus.UNRECOGNIZED &&
            !(name === 'resume' && r.transactionStatus === TransactionStatus.TERMINATED);
          if (o.json === true)
            jsonLine(out, {
              ok,
              transactionId: idText,
              remote,
              suspended: r.suspensionIndicator,
              transactionStatus: STATUS_NAMES[r.transactionStatus],
            });
          else
            out.stdout(
              `${idText} at entity ${remote}: ${r.suspensionIndicator ? 'suspended' : 'not suspended'} (${STATUS_NAMES[r.transactionStatus]}${r.transactionStatus === TransactionStatus.UNDEFINED && r.suspensionIndicator ? ', queued until it starts' : ''})\n`,
            );
          if (!ok) out.exitCode = 1;
        });
      });
  };
  transactionCommand('status', 'status of a transaction at a remote entity (727.0-B-5 §6.4)');
  transactionCommand('suspend', 'suspend a transaction at a remote entity (727.0-B-5 §6.5)');
  transactionCommand('resume', 'resume a transaction at a remote entity (727.0-B-5 §6.5)');
  transactionCommand(
    'cancel',
    'cancel a proxy put (get) that a remote entity runs for us: <transaction-id> is the request ID',
  );
}

/** status/suspend/resume/cancel of a transaction in a running entity, over its control channel. */
async function viaControl(
  name: 'status' | 'suspend' | 'resume' | 'cancel',
  via: string,
  id: TransactionId,
  json: boolean,
  out: Output,
): Promise<void> {
  const op = name === 'status' ? 'report' : name;
  let answer: Record<string, unknown> | undefined;
  await controlRequest(via, { op, id: transactionKey(id) }, (m) => (answer = m));
  if (answer === undefined) throw new CliFailure(`no answer from ${via}`, 1);
  if (answer['event'] === 'error') throw new CliFailure(String(answer['message']), 1);
  if (json) jsonLine(out, answer);
  else if (name === 'status')
    out.stdout(
      `${transactionKey(id)}: ${String(answer['state'])}, ${String(answer['role'])}, ${String(answer['progress'])}${answer['fileSize'] === undefined ? '' : `/${String(answer['fileSize'])}`} octets\n`,
    );
  else out.stdout(`${transactionKey(id)}: ${name} requested\n`);
}
