/**
 * `ccsds cfdp serve|put`: a CFDP entity (CCSDS 727.0-B-5) on the command line. The common case
 * needs no config file (`--entity-id`, `--bind`, `--peer`, `--filestore`); `--config` gives the
 * full MIB as JSON and flags override it.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { RealClock } from 'ccsds/core';
import {
  CfdpEntity,
  RemoteOperations,
  ChecksumType,
  type Mib,
  type PutRequest,
  type RemoteEntityConfig,
  conditionCodeName,
  parseMib,
  simpleMib,
  transactionKey,
} from 'ccsds/cfdp';
import { NativeFileStore } from 'ccsds/filestore/node';
import { FileJournal, useNodeCrc32 } from 'ccsds/cfdp/node';
import { PacketTransport, type Transport } from 'ccsds/transport';
import { createTransport } from 'ccsds/transport/node';
import { controlRequest, serveControl } from './cfdp-control.js';
import { registerCfdpRemoteCommands } from './cfdp-remote.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';

/** Flags shared by serve and put. */
interface EntityFlags {
  entityId?: string;
  bind?: string;
  peer?: string[];
  filestore?: string;
  config?: string;
  packets?: string;
  json?: boolean;
}

const CHECKSUMS: Record<string, number> = {
  modular: ChecksumType.MODULAR,
  prox1: ChecksumType.PROXIMITY1_CRC32,
  crc32c: ChecksumType.CRC32C,
  crc32: ChecksumType.CRC32,
  null: ChecksumType.NULL,
};

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function bigId(text: string, what: string): bigint {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text))
    throw new CliFailure(`${what} must be a non-negative integer, got '${text}'`, 2);
  const v = BigInt(text);
  if (v >= 1n << 64n) throw new CliFailure(`${what} must fit in 8 octets`, 2);
  return v;
}

/** Builds the MIB from --config and the flags (flags win). */
export function mibFromFlags(o: EntityFlags): Mib {
  let mib: Mib;
  if (o.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.config, 'utf8');
    } catch (e) {
      throw new CliFailure(`cannot read config ${o.config}: ${(e as Error).message}`, 2);
    }
    mib = parseMib(text);
  } else {
    if (o.entityId === undefined) throw new CliFailure('give --entity-id (or --config)', 2);
    mib = simpleMib(bigId(o.entityId, '--entity-id'), []);
  }
  if (o.entityId !== undefined) mib.local.entityId = bigId(o.entityId, '--entity-id');
  for (const p of o.peer ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(p);
    if (m === null)
      throw new CliFailure(`--peer must look like 1=udp://127.0.0.1:5111, got '${p}'`, 2);
    const id = bigId(m[1]!, '--peer entity ID');
    const existing = mib.remotes.find((r) => r.entityId === id);
    if (existing !== undefined) existing.address = m[2]!;
    else mib.remotes.push(simpleMib(0, [{ entityId: id, address: m[2]! }]).remotes[0]!);
  }
  return mib;
}

/** Opens the transport named by --bind (optionally wrapped in Space Packets). */
async function openTransport(o: EntityFlags, fallbackBind: string): Promise<Transport> {
  const bind = o.bind ?? fallbackBind;
  let t: Transport;
  try {
    t = await createTransport(bind);
  } catch (e) {
    throw new CliFailure(`cannot bind ${bind}: ${(e as Error).message}`, 2);
  }
  if (o.packets !== undefined) {
    const apid = parseInteger(o.packets, 0, 2046, '--packets');
    t = new PacketTransport(t, { apid });
  }
  return t;
}

function addEntityOptions(c: Command): Command {
  return c
    .option('--entity-id <id>', 'local entity ID')
    .option('--bind <url>', 'local address: udp://host:port, tcp://host:port, zmq+tcp://host:port')
    .option('--peer <id=url>', 'a remote entity and its address (repeatable)', collect)
    .option('--filestore <dir>', 'filestore root folder')
    .option('--config <file>', 'MIB as JSON (local entity, remote entities, timers, limits)')
    .option('--packets <apid>', 'carry PDUs in Space Packets with this APID')
    .option('--json', 'JSON lines instead of text');
}

function idString(id: { sourceEntityId: bigint; sequenceNumber: bigint }): string {
  return transactionKey(id);
}

function jsonLine(out: Output, obj: Record<string, unknown>): void {
  out.stdout(
    JSON.stringify(obj, (_k, v: unknown) =>
      typeof v === 'bigint'
        ? v.toString()
        : v instanceof Uint8Array
          ? Buffer.from(v).toString('hex')
          : v,
    ) + '\n',
  );
}

interface PutFlags extends EntityFlags {
  class?: string;
  closure?: boolean;
  checksum?: string;
  crc?: boolean;
  segmentSize?: string;
  entityIdLength?: string;
  timeout: string;
  via?: string;
}

/** The Put.request options given by flags. */
function putOptions(o: PutFlags): Partial<PutRequest> {
  const r: Partial<PutRequest> = {};
  if (o.class !== undefined) r.transmissionClass = parseInteger(o.class, 1, 2, '--class') as 1 | 2;
  if (o.closure === true) r.closureRequested = true;
  if (o.checksum !== undefined) {
    const c = CHECKSUMS[o.checksum];
    if (c === undefined)
      throw new CliFailure(`--checksum must be one of ${Object.keys(CHECKSUMS).join(', ')}`, 2);
    r.checksumType = c;
  }
  if (o.crc === true) r.crc = true;
  if (o.segmentSize !== undefined)
    r.segmentLength = parseInteger(o.segmentSize, 1, 65000, '--segment-size');
  if (o.entityIdLength !== undefined)
    r.entityIdLength = parseInteger(o.entityIdLength, 1, 8, '--entity-id-length');
  return r;
}

/** `ccsds cfdp put --via`: the transfer runs in a running entity; its events come back here. */
async function putVia(
  via: string,
  localFile: string,
  destId: bigint,
  remotePath: string,
  o: PutFlags,
  out: Output,
): Promise<void> {
  const request = {
    ...putOptions(o),
    destinationEntityId: destId,
    sourceFileName: resolve(localFile),
    destinationFileName: remotePath,
  };
  let finished: Record<string, unknown> | undefined;
  let error: string | undefined;
  await controlRequest(via, { op: 'put', request }, (m) => {
    if (o.json === true) jsonLine(out, m);
    if (m['event'] === 'finished') finished = m;
    if (m['event'] === 'error') error = String(m['message']);
  });
  if (error !== undefined) throw new CliFailure(error, 1);
  if (finished === undefined)
    throw new CliFailure('the entity closed the connection before the transfer finished', 1);
  const ok =
    finished['conditionCode'] === 0 && finished['fileStatus'] !== 0 && finished['fileStatus'] !== 1;
  if (o.json !== true) {
    out.stdout(
      ok
        ? `sent ${localFile} to ${destId}:${remotePath} through ${via} (${String(finished['octets'])} octets)\n`
        : `transfer failed: condition code ${String(finished['conditionCode'])} (${conditionCodeName(Number(finished['conditionCode']))})\n`,
    );
  }
  if (!ok) out.exitCode = 1;
}

/** Adds the `cfdp` noun. */
export function registerCfdpCommands(program: Command, out: Output): void {
  // File checksum type 3 (CRC-32) through node:zlib's native CRC where Node has it (checked
  // against the portable one when installed).
  useNodeCrc32();
  const cfdp = program.command('cfdp').description('CCSDS File Delivery Protocol (727.0-B-5)');
  registerCfdpRemoteCommands(cfdp, out);

  addEntityOptions(cfdp.command('serve'))
    .description('run a CFDP entity until interrupted, receiving (and answering for) files')
    .option(
      '--control <url>',
      'accept put/list/cancel/suspend/resume/report requests on tcp://127.0.0.1:<port>',
    )
    .option(
      '--state <dir>',
      'journal transactions here so that they survive a crash and resume on restart',
    )
    .action(async (o: EntityFlags & { control?: string; state?: string }) => {
      const mib = mibFromFlags(o);
      if (o.filestore === undefined && o.config === undefined)
        throw new CliFailure('give --filestore <dir>', 2);
      const filestore = await NativeFileStore.open(o.filestore ?? '.', { create: true });
      const transport = await openTransport(o, 'udp://127.0.0.1:0');
      const journal = o.state === undefined ? undefined : FileJournal.open(o.state);
      const entity = new CfdpEntity({
        mib,
        transport,
        filestore,
        clock: new RealClock(),
        ...(journal === undefined ? {} : { journal }),
      });
      const recovered = await entity.recover();
      // Answers remote operations (get, directory listing, remote filestore, status, suspend)
      // as far as each remote entity's allowedOperations permit.
      const remoteOps = new RemoteOperations(entity, filestore, mib, { clock: new RealClock() });
      const log = (event: string, fields: Record<string, unknown>, text: string): void => {
        if (o.json === true) jsonLine(out, { event, ...fields });
        else out.stdout(text + '\n');
      };
      entity.events.on('metadataRecv', (e) =>
        log(
          'metadataRecv',
          e,
          `${idString(e.transactionId)}: receiving ${e.destinationFileName} (${e.fileSize} octets) from entity ${e.sourceEntityId}`,
        ),
      );
      entity.events.on('transactionFinished', (e) =>
        log(
          'transactionFinished',
          { ...e, report: undefined },
          `${idString(e.transactionId)}: ${e.role} finished, condition ${e.conditionCode} (${conditionCodeName(e.conditionCode)}), file status ${e.fileStatus}`,
        ),
      );
      entity.events.on('abandoned', (e) =>
        log(
          'abandoned',
          e,
          `${idString(e.transactionId)}: abandoned, condition ${e.conditionCode} (${conditionCodeName(e.conditionCode)})`,
        ),
      );
      entity.events.on('pduError', (e) =>
        log(
          'pduError',
          { message: e.error.message, from: e.from },
          `PDU error from ${e.from}: ${e.error.message}`,
        ),
      );
      const control =
        o.control === undefined ? undefined : await serveControl(o.control, entity, filestore.root);
      log(
        'listening',
        { address: transport.address, entityId: mib.local.entityId, control: o.control, recovered },
        `entity ${mib.local.entityId} listening on ${transport.address}, filestore ${filestore.root}${o.control === undefined ? '' : `, control ${o.control}`}${recovered.senders + recovered.receivers > 0 ? `, resumed ${recovered.senders} sending and ${recovered.receivers} receiving transactions` : ''}`,
      );
      await new Promise<void>((resolveStop) => {
        const stop = (): void => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      control?.close();
      remoteOps.close();
      await entity.close();
      journal?.close();
      await transport.close();
    });

  addEntityOptions(cfdp.command('put'))
    .description('send a file to a remote entity and wait for the outcome')
    .argument('<local-file>', 'file to send')
    .argument('<destination>', '<entity-id>:<remote-path>')
    .option('--class <n>', 'transmission class: 1 (unacknowledged) or 2 (acknowledged)')
    .option('--closure', 'Class 1: ask for a Finished PDU')
    .option('--checksum <type>', 'modular|crc32|crc32c|prox1|null')
    .option('--crc', 'append a CRC to every PDU')
    .option('--segment-size <octets>', 'file data per PDU')
    .option('--entity-id-length <octets>', 'entity ID field width (1..8)')
    .option('--timeout <seconds>', 'give up (cancel) after this long', '3600')
    .option('--via <url>', 'send through a running `ccsds cfdp serve --control <url>`')
    .action(async (localFile: string, destination: string, o: PutFlags) => {
      const m = /^([^:]+):(.+)$/.exec(destination);
      if (m === null)
        throw new CliFailure(
          `destination must be <entity-id>:<remote-path>, got '${destination}'`,
          2,
        );
      const destId = bigId(m[1]!, 'destination entity ID');
      if (o.via !== undefined) {
        await putVia(o.via, localFile, destId, m[2]!, o, out);
        return;
      }
      const mib = mibFromFlags(o);
      let remote: RemoteEntityConfig | undefined = mib.remotes.find((r) => r.entityId === destId);
      if (remote === undefined)
        throw new CliFailure(
          `no address for entity ${destId}: give --peer ${destId}=udp://host:port`,
          2,
        );
      const root = resolve(o.filestore ?? dirname(localFile));
      const sourceName =
        o.filestore === undefined ? basename(localFile) : resolve(localFile).slice(root.length + 1);
      try {
        if (!statSync(resolve(root, sourceName)).isFile()) throw new Error('not a file');
      } catch {
        throw new CliFailure(`cannot read ${localFile}`, 2);
      }
      const request: PutRequest = {
        ...putOptions(o),
        destinationEntityId: destId,
        sourceFileName: sourceName,
        destinationFileName: m[2]!,
      };
      const timeoutMs = parseInteger(o.timeout, 1, 86400 * 365, '--timeout') * 1000;
      remote = { ...remote };
      const filestore = await NativeFileStore.open(root);
      const transport = await openTransport(o, 'udp://127.0.0.1:0');
      const entity = new CfdpEntity({ mib, transport, filestore, clock: new RealClock() });
      const tty = o.json !== true && process.stderr.isTTY === true;
      const bar = tty
        ? new cliProgress.SingleBar(
            {
              format: '{bar} {percentage}% | {value}/{total} octets | {speed} | ETA {eta}s',
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const started = Date.now();
      entity.events.on('progress', (e) => {
        if (o.json === true)
          jsonLine(out, {
            event: 'progress',
            transactionId: idString(e.transactionId),
            progress: e.progress,
            fileSize: e.fileSize,
          });
        else if (bar !== undefined)
          bar.update(e.progress, {
            speed: `${(((e.progress / Math.max(1, Date.now() - started)) * 1000) / 1e6).toFixed(2)} MB/s`,
          });
      });
      for (const ev of ['eofSent', 'suspended', 'resumed', 'fault'] as const) {
        entity.events.on(ev, (e) => {
          if (o.json === true)
            jsonLine(out, { event: ev, ...e, transactionId: idString(e.transactionId) });
        });
      }
      let result: Awaited<ReturnType<CfdpEntity['waitFor']>> | undefined;
      try {
        const id = await entity.put(request);
        const size = statSync(resolve(root, sourceName)).size;
        bar?.start(size, 0, { speed: '' });
        if (o.json === true)
          jsonLine(out, { event: 'transaction', transactionId: idString(id), fileSize: size });
        const timer = setTimeout(() => void entity.cancel(id).catch(() => undefined), timeoutMs);
        result = await entity.waitFor(id);
        clearTimeout(timer);
        bar?.update(size);
      } finally {
        bar?.stop();
        await entity.close();
        await transport.close();
      }
      const seconds = (Date.now() - started) / 1000;
      const ok = result.conditionCode === 0 && result.fileStatus !== 0 && result.fileStatus !== 1;
      if (o.json === true) {
        jsonLine(out, {
          event: 'finished',
          transactionId: idString(result.transactionId),
          conditionCode: result.conditionCode,
          fileStatus: result.fileStatus,
          deliveryCode: result.deliveryCode,
          octets: result.report.progress,
          seconds,
          ok,
        });
      } else {
        out.stdout(
          ok
            ? `sent ${localFile} to ${destId}:${m[2]} (${result.report.progress} octets in ${seconds.toFixed(2)} s, class ${result.report.transmissionClass})\n`
            : `transfer failed: condition code ${result.conditionCode} (${conditionCodeName(result.conditionCode)}), file status ${result.fileStatus}\n`,
        );
      }
      if (!ok) out.exitCode = 1;
    });
}
