/**
 * CFDP per-PDU CPU micro-benchmark: the CPU time (process.cpuUsage, user + system) a Class 2
 * sending entity spends per File Data PDU, and that a receiving entity spends per File Data PDU,
 * each measured alone, without sockets. The sender's transport only records each PDU (no copy,
 * resolved at once); the recorded PDUs are then fed to the receiving entity's transport in
 * batches of 8 per event-loop turn, at most 512 ahead of those it has processed (counted by
 * `fileSegmentRecv` events; within its queue bound, so none is dropped), until it
 * sends its Finished PDU. Both sides use real files (NativeFileStore in a temp
 * folder) and a type-3 (CRC-32, node:zlib) file checksum, as the UDP benchmark does.
 * `CCSDS_BENCH_CFDP_PDU_MIB` sets the file size (default 64 MiB). Figures are CPU time, so
 * less sensitive than wall time to the shared cores, but still somewhat noisy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock, TypedEmitter } from 'ccsds/core';
import { CfdpEntity, simpleMib } from 'ccsds/cfdp';
import { useNodeCrc32 } from 'ccsds/cfdp/node';
import { NativeFileStore } from 'ccsds/filestore/node';
import type { Transport, TransportEvents } from 'ccsds/transport';
import { writeRandomFile } from './random-file.js';

const timers = {
  ackTimerMs: 60_000,
  nakTimerMs: 60_000,
  inactivityTimerMs: 120_000,
  keepAliveIntervalMs: 0,
  ackLimit: 50,
  nakLimit: 100,
  maxPduLength: 65535,
};

/** A transport whose sends are recorded (or ignored) and whose messages are injected. */
class BenchTransport implements Transport {
  readonly events = new TypedEmitter<TransportEvents>();
  readonly maxMessageLength = 65535;
  sent: Uint8Array[] = [];
  record = true;
  onSend: ((data: Uint8Array) => void) | undefined;
  constructor(readonly address: string) {}
  send(_to: string, data: Uint8Array): Promise<void> {
    if (this.record) this.sent.push(data);
    this.onSend?.(data);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Whether `pdu` is a file directive with the given directive code. */
function isDirective(pdu: Uint8Array, code: number): boolean {
  if ((pdu[0]! & 0x10) !== 0) return false;
  return pdu[directiveAt(pdu)] === code;
}

/** Offset of the directive code: the PDU header's length. */
function directiveAt(pdu: Uint8Array): number {
  const b3 = pdu[3]!;
  return 4 + 2 * (((b3 >>> 4) & 7) + 1) + (b3 & 7) + 1;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return u.user + u.system;
}

async function once(dir: string, file: string, size: number, segment: number): Promise<string> {
  const txT = new BenchTransport('mem://tx');
  const rxT = new BenchTransport('mem://rx');
  const sender = new CfdpEntity({
    mib: simpleMib(1, [
      { entityId: 2, address: rxT.address, ...timers, maxFileSegmentLength: segment },
    ]),
    transport: txT,
    filestore: await NativeFileStore.open(dir),
    clock: new RealClock(),
  });
  const receiver = new CfdpEntity({
    mib: simpleMib(2, [{ entityId: 1, address: txT.address, ...timers }]),
    transport: rxT,
    filestore: await NativeFileStore.open(dir),
    clock: new RealClock(),
  });
  rxT.record = false;
  try {
    // Sender: from put to the EOF PDU.
    let eofSent!: () => void;
    const eof = new Promise<void>((r) => (eofSent = r));
    txT.onSend = (d) => isDirective(d, 0x04) && eofSent();
    const t0 = process.cpuUsage();
    await sender.put({
      destinationEntityId: 2,
      sourceFileName: file,
      destinationFileName: `${file}.rx`,
      transmissionClass: 2,
      checksumType: 3,
    });
    await eof;
    const txMicros = cpuMicros(t0);
    const pdus = txT.sent;
    const fileData = pdus.filter((p) => (p[0]! & 0x10) !== 0).length;
    if (fileData !== Math.ceil(size / segment))
      throw new Error(`sender sent ${fileData} File Data PDUs`);

    // Receiver: every recorded PDU in order, to its Finished PDU (condition code checked).
    let finished!: (cc: number) => void;
    const done = new Promise<number>((r) => (finished = r));
    rxT.onSend = (d) => {
      if (isDirective(d, 0x05)) finished(d[directiveAt(d) + 1]! >>> 4);
    };
    const r0 = process.cpuUsage();
    let i = 0;
    let processed = 0;
    receiver.events.on('fileSegmentRecv', () => processed++);
    const feed = (): void => {
      // At most 512 File Data PDUs fed but not yet processed (the entity drops file data
      // beyond 1,024 waiting, as a socket would overflow, while the filestore is slow).
      for (let k = 0; k < 8 && i < pdus.length && i - processed < 512; k++)
        rxT.events.emit('message', pdus[i++]!, 'mem://tx');
      if (i < pdus.length) setImmediate(feed);
    };
    feed();
    const cc = await done;
    const rxMicros = cpuMicros(r0);
    if (cc !== 0) throw new Error(`receiver finished with condition ${cc}`);
    const dropped = receiver.counters.fileDataDropped;
    if (dropped > 0) throw new Error(`receiver dropped ${dropped} File Data PDUs`);
    return (
      `cfdp per-PDU CPU, ${size >> 20} MiB, ${segment}-octet segments: sender ${(txMicros / fileData).toFixed(2)} us/PDU, ` +
      `receiver ${(rxMicros / fileData).toFixed(2)} us/PDU (${fileData} File Data PDUs)`
    );
  } finally {
    await sender.close(0);
    await receiver.close(0);
    rmSync(join(dir, `${file}.rx`), { force: true });
  }
}

/** Runs the per-PDU CPU benchmark. */
export async function run(): Promise<void> {
  useNodeCrc32();
  const mib = Number(process.env['CCSDS_BENCH_CFDP_PDU_MIB'] ?? '64');
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-cfdp-pdu-'));
  try {
    const size = writeRandomFile(join(dir, 'big.bin'), mib);
    for (const segment of [1024, 8192]) console.log(await once(dir, 'big.bin', size, segment));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
