import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from 'ccsds/core';
import { CfdpEntity, type RemoteEntityConfig, simpleMib } from 'ccsds/cfdp';
import { NativeFileStore } from 'ccsds/filestore/node';
import { PacketTransport, type Transport } from 'ccsds/transport';
import { TcpTransport, UdpTransport, ZmqTransport } from 'ccsds/transport/node';

type Factory = () => Promise<[Transport, Transport]>;

const FACTORIES: Record<string, Factory> = {
  udp: async () => [await UdpTransport.open(), await UdpTransport.open()],
  tcp: async () => [await TcpTransport.open(), await TcpTransport.open()],
  'packets over udp': async () => [
    new PacketTransport(await UdpTransport.open(), { apid: 100 }),
    new PacketTransport(await UdpTransport.open(), { apid: 100 }),
  ],
};

async function zmqAvailable(): Promise<boolean> {
  try {
    const t = await ZmqTransport.open();
    await t.close();
    return true;
  } catch {
    return false;
  }
}

interface Case {
  size: number;
  cls: 1 | 2;
  checksumType?: number;
  ids?: [bigint, bigint];
  crc?: boolean;
  largeFile?: boolean;
  segment?: number;
}

async function run(factory: Factory, cases: Case[]): Promise<void> {
  const [ta, tb] = await factory();
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cfdp-net-'));
  try {
    const fsA = await NativeFileStore.open(join(dir, 'a'), { create: true });
    const fsB = await NativeFileStore.open(join(dir, 'b'), { create: true });
    for (const [i, c] of cases.entries()) {
      const [ida, idb] = c.ids ?? [1n, 2n];
      const common: Partial<RemoteEntityConfig> = {
        ackTimerMs: 300,
        nakTimerMs: 300,
        keepAliveIntervalMs: 0,
        inactivityTimerMs: 30_000,
        maxFileSegmentLength: c.segment ?? 1024,
        crc: c.crc ?? false,
      };
      const a = new CfdpEntity({
        mib: simpleMib(ida, [{ ...common, entityId: idb, address: tb.address }]),
        transport: ta,
        filestore: fsA,
        clock: new RealClock(),
      });
      const b = new CfdpEntity({
        mib: simpleMib(idb, [{ ...common, entityId: ida, address: ta.address }]),
        transport: tb,
        filestore: fsB,
        clock: new RealClock(),
      });
      const data = randomBytes(c.size);
      writeFileSync(join(dir, 'a', `f${i}`), data);
      const rx = new Promise<number>((resolve) =>
        b.events.on('transactionFinished', (e) => resolve(e.conditionCode)),
      );
      const id = await a.put({
        destinationEntityId: idb,
        sourceFileName: `f${i}`,
        destinationFileName: `g${i}`,
        transmissionClass: c.cls,
        ...(c.checksumType !== undefined ? { checksumType: c.checksumType } : {}),
        ...(c.largeFile !== undefined ? { largeFile: c.largeFile } : {}),
      });
      const tx = await a.waitFor(id);
      const rxCode = await rx;
      const label = JSON.stringify(c, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      );
      assert.equal(tx.conditionCode, 0, `sender ${label}`);
      assert.equal(rxCode, 0, `receiver ${label}`);
      const got = readFileSync(join(dir, 'b', `g${i}`));
      assert.equal(
        createHash('sha256').update(got).digest('hex'),
        createHash('sha256').update(data).digest('hex'),
        label,
      );
      await a.close();
      await b.close();
    }
  } finally {
    await ta.close();
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const MATRIX: Case[] = [
  { size: 0, cls: 1 },
  { size: 1, cls: 1 },
  { size: 1 << 20, cls: 1 },
  { size: 0, cls: 2 },
  { size: 1, cls: 2 },
  { size: 1 << 20, cls: 2 },
  ...[0, 1, 2, 3, 15].map((checksumType): Case => ({ size: 100_000, cls: 2, checksumType })),
  { size: 50_000, cls: 2, ids: [1n, 2n], crc: true },
  { size: 50_000, cls: 2, ids: [0x10203n, 0x40506n], crc: false, largeFile: true },
  {
    size: 50_000,
    cls: 1,
    ids: [0x0102030405060708n, 0x0807060504030201n],
    crc: true,
    largeFile: true,
  },
];

for (const [name, factory] of Object.entries(FACTORIES)) {
  test(`CFDP over ${name}: sizes 0, 1, 1 MiB in Class 1 and 2; every checksum; widths 1, 3, 8; CRC; large file`, async () => {
    await run(factory, MATRIX);
  });
}

test('CFDP over ZMQ', async (t) => {
  if (!(await zmqAvailable())) {
    t.skip('the optional zeromq package is not installed');
    return;
  }
  await run(async () => [await ZmqTransport.open(), await ZmqTransport.open()], MATRIX.slice(0, 6));
});

test(
  'CFDP over UDP: a 100 MiB file in Class 2 and in Class 1, byte-identical',
  { timeout: 300_000 },
  async () => {
    await run(FACTORIES['udp']!, [
      { size: 100 << 20, cls: 2, segment: 8192 },
      { size: 100 << 20, cls: 1, segment: 8192 },
    ]);
  },
);
