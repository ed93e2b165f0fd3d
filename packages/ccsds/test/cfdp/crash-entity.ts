/**
 * A CFDP entity in its own process for the crash tests (`crash.test.ts`): UDP on 127.0.0.1, a
 * folder filestore, the file journal in a state folder, the real clock. It recovers what its
 * journal holds, optionally starts a put, and reports on stdout in JSON lines. Given a kill
 * point, it sends itself SIGKILL at exactly that moment: after a chosen PDU went out, when a
 * chosen PDU arrives (before the entity sees it), or after — or in the middle of — a chosen
 * journal record.
 *
 * Usage: `node --import tsx --conditions=ccsds-source crash-entity.ts '<json config>'`.
 */
import { appendFileSync } from 'node:fs';
import { RealClock, TypedEmitter } from 'ccsds/core';
import {
  CfdpEntity,
  type JournalRecord,
  type Pdu,
  type TransactionJournal,
  decodePdu,
  simpleMib,
} from 'ccsds/cfdp';
import { FileJournal, frameJournalRecord } from 'ccsds/cfdp/node';
import { NativeFileStore } from 'ccsds/filestore/node';
import type { Transport, TransportEvents } from 'ccsds/transport';
import { createTransport } from 'ccsds/transport/node';

/** Where the process kills itself. */
export interface KillPoint {
  /** After a PDU was sent, when a PDU arrives, or at a journal record. */
  on: 'send' | 'recv' | 'journal';
  /** PDU label (`metadata`, `fd`, `eof`, `finished`, `ack-eof`, `ack-fin`, `nak`) or record type (`t`). */
  what: string;
  /** File data: the first segment at or beyond this offset. */
  minOffset?: number;
  /** File data: only retransmitted segments (offset below the highest seen). */
  retransmission?: boolean;
  /** The n-th match (1-based). Default 1. */
  nth?: number;
  /** Journal: write only the first half of the record, then die (a torn write). */
  torn?: boolean;
}

/** The child's configuration. */
export interface CrashEntityConfig {
  self: number;
  peer: number;
  port: number;
  peerPort: number;
  filestore: string;
  state: string;
  remote: Record<string, unknown>;
  put?: { source: string; destination: string };
  /** A put made after recovery (to show sequence numbers are not reused). */
  putAfterRecover?: { source: string; destination: string };
  kill?: KillPoint;
  /** Drop file data segments whose index modulo 41 is 7 (first run only: the peer must NAK). */
  dropSome?: 'send' | 'recv';
}

function label(p: Pdu): string {
  switch (p.kind) {
    case 'fileData':
      return 'fd';
    case 'ack':
      return p.ackedDirectiveCode === 4 ? 'ack-eof' : 'ack-fin';
    default:
      return p.kind;
  }
}

function out(o: Record<string, unknown>): void {
  process.stdout.write(
    JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n',
  );
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // Not reached: SIGKILL cannot be caught.
  throw new Error('still alive');
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]!) as CrashEntityConfig;
  const kill = cfg.kill;
  let matches = 0;
  let highest = -1;
  const hit = (p: Pdu): boolean => {
    if (kill === undefined || label(p) !== kill.what) return false;
    if (p.kind === 'fileData') {
      const o = Number(p.offset);
      if (kill.minOffset !== undefined && o < kill.minOffset) return false;
      if (kill.retransmission === true && o >= highest) return false;
    }
    matches++;
    return matches === (kill.nth ?? 1);
  };
  const fileJournal = FileJournal.open(cfg.state);
  const journal: TransactionJournal = {
    append(r: JournalRecord): void {
      if (kill?.on === 'journal' && kill.what === r.t && ++matches === (kill.nth ?? 1)) {
        if (kill.torn === true) {
          const frame = frameJournalRecord(r);
          appendFileSync(fileJournal.path, frame.subarray(0, Math.ceil(frame.length / 2)));
        } else fileJournal.append(r);
        die();
      }
      fileJournal.append(r);
    },
    load: () => fileJournal.load(),
  };
  const transport = await createTransport(`udp://127.0.0.1:${cfg.port}`);
  const filestore = await NativeFileStore.open(cfg.filestore, { create: true });
  // The entity's view of the transport: every send and every arrival passes through here first.
  const events = new TypedEmitter<TransportEvents>();
  const isDropped = (p: Pdu): boolean =>
    kill !== undefined &&
    p.kind === 'fileData' &&
    Math.floor(Number(p.offset) / 1024) % 41 === 7 &&
    Number(p.offset) >= highest;
  const entityTransport: Transport = {
    address: transport.address,
    maxMessageLength: transport.maxMessageLength,
    events,
    close: () => transport.close(),
    send: async (to: string, data: Uint8Array): Promise<void> => {
      const p = decodePdu(data);
      if (cfg.dropSome === 'send' && isDropped(p)) {
        highest = Math.max(highest, Number((p as { offset: number }).offset));
        return;
      }
      const killNow = kill?.on === 'send' && hit(p);
      if (p.kind === 'fileData') highest = Math.max(highest, Number(p.offset));
      await transport.send(to, data);
      if (killNow) die();
    },
  };
  transport.events.on('message', (data, from) => {
    const p = decodePdu(data);
    if (cfg.dropSome === 'recv' && isDropped(p)) {
      highest = Math.max(highest, Number((p as { offset: number }).offset));
      return;
    }
    if (kill?.on === 'recv' && hit(p)) die();
    if (p.kind === 'fileData') highest = Math.max(highest, Number(p.offset));
    events.emit('message', data, from);
  });
  const mib = simpleMib(cfg.self, [
    { entityId: cfg.peer, address: `udp://127.0.0.1:${cfg.peerPort}`, ...cfg.remote },
  ]);
  const entity = new CfdpEntity({
    mib,
    transport: entityTransport,
    filestore,
    clock: new RealClock(),
    journal,
  });
  entity.events.on('transactionFinished', (e) =>
    out({
      event: 'finished',
      role: e.role,
      key: `${e.transactionId.sourceEntityId}:${e.transactionId.sequenceNumber}`,
      conditionCode: e.conditionCode,
    }),
  );
  entity.events.on('abandoned', (e) =>
    out({
      event: 'abandoned',
      key: `${e.transactionId.sourceEntityId}:${e.transactionId.sequenceNumber}`,
      conditionCode: e.conditionCode,
    }),
  );
  const recovered = await entity.recover();
  out({ event: 'ready', ...recovered, next: entity.nextSequenceNumber });
  const p = cfg.put ?? cfg.putAfterRecover;
  if (p !== undefined) {
    const id = await entity.put({
      destinationEntityId: cfg.peer,
      sourceFileName: p.source,
      destinationFileName: p.destination,
    });
    out({ event: 'put', seq: id.sequenceNumber, destination: p.destination });
  }
}

main().catch((e: unknown) => {
  out({ event: 'error', message: (e as Error).stack ?? String(e) });
  process.exit(1);
});
