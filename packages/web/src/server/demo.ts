/**
 * The demo spacecraft that `ccsds web` starts in-process when no station configuration is
 * given, so that the console works out of the box: a second, real CFDP entity (CCSDS
 * 727.0-B-5) on its own loopback UDP port with its own temporary filestore, whose remote
 * operations policy lets the console list directories, fetch files (proxy put) and create or
 * rename — but not delete, so that the console's refusal path can be seen; and a housekeeping
 * generator sending Space Packets (CCSDS 133.0-B-2) over loopback UDP, with the packet
 * definition that decodes them.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from 'ccsds/core';
import { CfdpEntity, RemoteOperations, simpleMib } from 'ccsds/cfdp';
import type { PacketDefinition } from 'ccsds/decode';
import { NativeFileStore } from 'ccsds/filestore/node';
import { encodeSpacePacket, SequenceCounter } from 'ccsds/spp';
import type { Transport } from 'ccsds/transport';
import { createTransport } from 'ccsds/transport/node';

/** Entity ID of the demo spacecraft. */
export const DEMO_ENTITY_ID = 2n;

/** APID of the housekeeping packets. */
export const DEMO_HK_APID = 100;

/** What the demo spacecraft lets the console do (no delete-file, no remove-directory). */
export const DEMO_ALLOWED_OPERATIONS = [
  'directory-listing',
  'get',
  'proxy-put',
  'filestore:create-directory',
  'filestore:create-file',
  'filestore:rename-file',
  'remote-status',
  'remote-suspend',
];

/** The packet definition of the housekeeping packets (`ccsds/decode` JSON form). */
export const DEMO_HK_DEFINITION: PacketDefinition = {
  name: 'HK',
  apid: DEMO_HK_APID,
  description: 'Demo spacecraft housekeeping',
  fields: [
    { name: 'MET', type: 'uint', bits: 32, unit: 's', description: 'mission elapsed time' },
    { name: 'MET_MS', type: 'uint', bits: 16, unit: 'ms' },
    { name: 'MODE', type: 'uint', bits: 8 },
    { name: 'BATT_V_RAW', type: 'uint', bits: 16 },
    { name: 'TEMP_RAW', type: 'int', bits: 16 },
    { name: 'SUN_ANGLE', type: 'float', bits: 32, unit: 'deg' },
    { name: 'CFDP_PDUS_RX', type: 'uint', bits: 16, description: 'CFDP PDUs received (mod 65536)' },
  ],
  converters: [
    { kind: 'linear', output: 'BATT_V', input: 'BATT_V_RAW', slope: 0.001 },
    { kind: 'linear', output: 'TEMP_C', input: 'TEMP_RAW', slope: 0.01 },
    {
      kind: 'enum',
      output: 'MODE_NAME',
      input: 'MODE',
      values: { '0': 'SAFE', '1': 'NOMINAL', '2': 'SCIENCE' },
    },
  ],
};

/** Encodes one housekeeping packet at mission elapsed time `metMs`. */
export function encodeHousekeeping(metMs: number, count: number, pdusReceived: number): Uint8Array {
  const user = new Uint8Array(17);
  const v = new DataView(user.buffer);
  const s = metMs / 1000;
  v.setUint32(0, Math.floor(s) >>> 0);
  v.setUint16(4, Math.floor(metMs % 1000));
  v.setUint8(6, Math.floor(s / 60) % 3);
  v.setUint16(7, Math.round(28000 + 500 * Math.sin(s / 10)));
  v.setInt16(9, Math.round(2150 + 300 * Math.sin(s / 23) + 40 * Math.sin(s * 1.7)));
  v.setFloat32(11, ((s * 6) % 360) - 180);
  v.setUint16(15, pdusReceived & 0xffff);
  return encodeSpacePacket({ apid: DEMO_HK_APID, packetSequenceCount: count, userData: user });
}

/**
 * Fills a spacecraft filestore with sample files: README.txt, logs/boot.log, three images of
 * 96, 192 and 288 KiB, and a 2 MiB science file.
 */
export function writeDemoFiles(root: string): void {
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'logs'));
  mkdirSync(join(root, 'science'));
  writeFileSync(join(root, 'README.txt'), 'Demo spacecraft filestore of ccsds web.\n');
  writeFileSync(
    join(root, 'logs', 'boot.log'),
    Array.from({ length: 200 }, (_, i) => `MET ${i * 5} boot step ${i} ok\n`).join(''),
  );
  for (let i = 1; i <= 3; i++)
    writeFileSync(join(root, 'images', `img-000${i}.raw`), randomBytes(96 * 1024 * i));
  writeFileSync(join(root, 'science', 'spectra-001.dat'), randomBytes(2 * 1024 * 1024));
}

/** Options of {@link DemoSpacecraft.start}. */
export interface DemoOptions {
  /** The console's entity ID. */
  groundEntityId: bigint;
  /** File data rate each way, octets per second (default 1 MiB/s, so transfers can be watched). */
  rateBytesPerSecond?: number;
  /** Housekeeping period in ms (default 250). */
  hkIntervalMs?: number;
}

/** See the module comment. */
export class DemoSpacecraft {
  private entity: CfdpEntity | undefined;
  private ops: RemoteOperations | undefined;
  private hkSocket: Socket | undefined;
  private hkTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly root: string,
    readonly transport: Transport,
    private readonly options: DemoOptions,
  ) {}

  /** Makes the filestore (with sample files) and binds the spacecraft's UDP port. */
  static async create(options: DemoOptions): Promise<DemoSpacecraft> {
    const root = mkdtempSync(join(tmpdir(), 'ccsds-web-spacecraft-'));
    writeDemoFiles(root);
    const transport = await createTransport('udp://127.0.0.1:0');
    return new DemoSpacecraft(root, transport, options);
  }

  /** The spacecraft's CFDP address. */
  get address(): string {
    return this.transport.address;
  }

  /** The file data rate to use towards the spacecraft (for the console's MIB). */
  get rateBytesPerSecond(): number {
    return this.options.rateBytesPerSecond ?? 1024 * 1024;
  }

  /** Starts the entity (the console's address known now) and the housekeeping stream. */
  async start(groundAddress: string, hkTarget: { host: string; port: number }): Promise<void> {
    const mib = simpleMib(DEMO_ENTITY_ID, [
      {
        entityId: this.options.groundEntityId,
        address: groundAddress,
        allowedOperations: DEMO_ALLOWED_OPERATIONS,
        sendRateBytesPerSecond: this.rateBytesPerSecond,
        ackTimerMs: 1000,
        nakTimerMs: 1000,
        inactivityTimerMs: 30_000,
      },
    ]);
    const filestore = await NativeFileStore.open(this.root);
    const clock = new RealClock();
    this.entity = new CfdpEntity({ mib, transport: this.transport, filestore, clock });
    this.ops = new RemoteOperations(this.entity, filestore, mib, { clock });
    const sock = createSocket('udp4');
    this.hkSocket = sock;
    const seq = new SequenceCounter();
    const started = Date.now();

    this.hkTimer = setInterval(() => {
      if (this.entity === undefined) return;
      const rx = this.entity.counters.pdusReceived;
      const p = encodeHousekeeping(Date.now() - started, seq.take(DEMO_HK_APID), rx);
      sock.send(p, hkTarget.port, hkTarget.host);
    }, this.options.hkIntervalMs ?? 250);
  }

  /** Stops everything and removes the temporary filestore. */
  async close(): Promise<void> {
    if (this.hkTimer !== undefined) clearInterval(this.hkTimer);
    this.hkSocket?.close();
    this.ops?.close();
    await this.entity?.close(300);
    await this.transport.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}
