/**
 * The control channel of a running `ccsds cfdp serve`: newline-delimited JSON over TCP on the
 * loopback interface, so that `ccsds cfdp put --via <url>` (and later status, suspend, resume,
 * cancel) act through the running entity instead of starting their own.
 *
 * Requests: `{"op":"put","request":{...PutRequest, sourceFileName: absolute path}}` streams the
 * transaction's events back (`transaction`, `progress`, `eofSent`, `finished`) and ends;
 * `{"op":"list"}` answers the open transactions; `{"op":"cancel"|"suspend"|"resume"|"report",
 * "id":"<source>:<sequence>"}` acts on one.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { relative, resolve, sep } from 'node:path';
import { type CfdpEntity, type PutRequest, type TransactionId, transactionKey } from 'ccsds/cfdp';
import { CliFailure } from './output.js';

/** A JSON-serialisable message of the control protocol. */
export type ControlMessage = Record<string, unknown>;

function encode(m: ControlMessage): string {
  return JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
}

function parseId(text: unknown): TransactionId {
  const m = typeof text === 'string' ? /^(\d+):(\d+)$/.exec(text) : null;
  if (m === null) throw new Error(`transaction ID must look like 1:23, got ${String(text)}`);
  return { sourceEntityId: BigInt(m[1]!), sequenceNumber: BigInt(m[2]!) };
}

/** Parses `tcp://127.0.0.1:port` (loopback only). */
export function controlAddress(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):(\d+)$/.exec(url);
  if (m === null)
    throw new CliFailure(`control address must be tcp://127.0.0.1:<port>, got '${url}'`, 2);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Serves the control protocol for `entity` whose filestore is rooted at `root`. */
export async function serveControl(url: string, entity: CfdpEntity, root: string): Promise<Server> {
  const { host, port } = controlAddress(url);
  const server = createServer((socket) => handle(socket, entity, root));
  await new Promise<void>((r, j) => {
    server.once('error', j);
    server.listen(port, host, () => r());
  });
  return server;
}

function handle(socket: Socket, entity: CfdpEntity, root: string): void {
  let buf = '';
  socket.setEncoding('utf8');
  const send = (m: ControlMessage): void => void socket.write(encode(m));
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buf += chunk;
    if (buf.length > 1 << 20) {
      send({ event: 'error', message: 'request too long' });
      socket.end();
      return;
    }
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      void run(line).catch((e: unknown) => {
        send({ event: 'error', message: e instanceof Error ? e.message : String(e) });
        socket.end();
      });
    }
  });

  async function run(line: string): Promise<void> {
    const msg = JSON.parse(line) as ControlMessage;
    switch (msg['op']) {
      case 'put': {
        const req = msg['request'] as Record<string, unknown>;
        const abs = resolve(String(req['sourceFileName']));
        const rel = relative(root, abs);
        if (rel.startsWith('..') || rel.split(sep).includes('..') || resolve(root, rel) !== abs) {
          throw new Error(`${abs} is not inside the entity's filestore ${root}`);
        }
        const request: PutRequest = {
          ...(req as unknown as PutRequest),
          destinationEntityId: BigInt(String(req['destinationEntityId'])),
          sourceFileName: rel.split(sep).join('/'),
        };
        const id = await entity.put(request);
        const key = transactionKey(id);
        send({ event: 'transaction', transactionId: key });
        const offs = [
          entity.events.on('progress', (e) => {
            if (transactionKey(e.transactionId) === key)
              send({ event: 'progress', progress: e.progress, fileSize: e.fileSize });
          }),
          entity.events.on('eofSent', (e) => {
            if (transactionKey(e.transactionId) === key) send({ event: 'eofSent' });
          }),
        ];
        socket.once('close', () => offs.forEach((o) => o()));
        const r = await entity.waitFor(id);
        offs.forEach((o) => o());
        send({
          event: 'finished',
          transactionId: key,
          conditionCode: r.conditionCode,
          fileStatus: r.fileStatus,
          deliveryCode: r.deliveryCode,
          octets: r.report.progress,
          transmissionClass: r.report.transmissionClass,
        });
        socket.end();
        return;
      }
      case 'list':
        send({
          event: 'list',
          transactions: entity
            .list()
            .map((t) => ({ ...t, transactionId: transactionKey(t.transactionId) })),
        });
        socket.end();
        return;
      case 'cancel':
        await entity.cancel(parseId(msg['id']));
        break;
      case 'suspend':
        entity.suspend(parseId(msg['id']));
        break;
      case 'resume':
        entity.resume(parseId(msg['id']));
        break;
      case 'report': {
        const r = entity.report(parseId(msg['id']));
        send({ event: 'report', ...r, transactionId: transactionKey(r.transactionId) });
        socket.end();
        return;
      }
      default:
        throw new Error(`unknown op ${String(msg['op'])}`);
    }
    send({ event: 'ok' });
    socket.end();
  }
}

/** Sends one request to a running entity and calls `onMessage` for every answer line. */
export async function controlRequest(
  url: string,
  request: ControlMessage,
  onMessage: (m: ControlMessage) => void,
): Promise<void> {
  const { host, port } = controlAddress(url);
  await new Promise<void>((resolveDone, reject) => {
    const socket = createConnection({ host, port });
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(encode(request)));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onMessage(JSON.parse(buf.slice(0, i)) as ControlMessage);
        buf = buf.slice(i + 1);
      }
    });
    socket.on('error', (e) =>
      reject(new CliFailure(`cannot reach the entity at ${url}: ${e.message}`, 1)),
    );
    socket.on('close', () => resolveDone());
  });
}
