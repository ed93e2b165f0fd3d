/**
 * The two nodes of the simulated mission, each composed only from the library's public faces:
 * a {@link Spacecraft} (CFDP entity, FARM-1 uplink receiver, TM downlink sender with a
 * housekeeping source and a telecommand handler) and a {@link GroundStation} (CFDP entity,
 * FOP-1 uplink sender, TM downlink receiver with telemetry decoding, a telecommand source).
 *
 * Packet routing: housekeeping on APID {@link MISSION_APIDS}.housekeeping in downlink virtual
 * channel 0 (served first), CFDP PDUs on APID `cfdp` in virtual channel 1 and in MAP 1 of the
 * uplink, telecommands on APID `command` in MAP 0.
 */
import { type Clock, type TimerId } from '../core/index.js';
import {
  CfdpEntity,
  type Mib,
  type RemoteEntityConfig,
  remoteConfig,
  simpleMib,
} from '../cfdp/index.js';
import type { FileStore } from '../filestore/index.js';
import {
  PacketType,
  decodeSpacePacket,
  decodeSpacePacketHeader,
  encodeSpacePacket,
} from '../spp/index.js';
import { PacketTransport } from '../transport/index.js';
import type { PhysicalChannel } from './channel.js';
import { DownlinkReceiver, DownlinkSender, type DownlinkFormat } from './downlink.js';
import { HousekeepingMonitor, HousekeepingSource } from './housekeeping.js';
import { PacketPort } from './packet-port.js';
import { type PduCounts, countPdu, newPduCounts } from './pdu-counts.js';
import { type Fop1Settings, UplinkReceiver, UplinkSender } from './uplink.js';

/** APIDs used by the mission. */
export const MISSION_APIDS = { housekeeping: 100, cfdp: 200, command: 300 } as const;
/** Downlink virtual channels: housekeeping first, then CFDP. */
export const MISSION_VCS = { housekeeping: 0, cfdp: 1 } as const;
/** Uplink MAPs. */
export const MISSION_MAPS = { command: 0, cfdp: 1 } as const;

/** Node addresses on the simulated link. */
export const GROUND_ADDRESS = 'sim://ground';
/** Node addresses on the simulated link. */
export const SPACECRAFT_ADDRESS = 'sim://spacecraft';

/** CFDP remote-entity settings (a partial MIB entry). */
export type CfdpRemoteSettings = Omit<Partial<RemoteEntityConfig>, 'entityId' | 'address'>;

/**
 * The MIB of one node: the local entity and the other node as its only remote entity, with the
 * settings checked as a MIB file's would be.
 * @throws CcsdsError `INVALID_ARGUMENT` naming an unknown or out-of-range setting
 */
export function missionMib(
  localEntityId: number,
  remoteEntityId: number,
  remoteAddress: string,
  settings: CfdpRemoteSettings | undefined,
  where: string,
): Mib {
  const remote = remoteConfig(
    { ...settings, entityId: remoteEntityId, address: remoteAddress },
    `${where} cfdp`,
  );
  return { ...simpleMib(localEntityId, []), remotes: [remote] };
}

/** Options of {@link Spacecraft}. */
export interface SpacecraftOptions {
  clock: Clock;
  /** Spacecraft Identifier of the frames. */
  spacecraftId: number;
  /** CFDP entity ID of the spacecraft. */
  entityId: number;
  /** CFDP entity ID of the ground. */
  groundEntityId: number;
  /** On-board filestore. */
  filestore: FileStore;
  /** CFDP settings for the ground as a remote entity. */
  cfdp?: CfdpRemoteSettings;
  /** The downlink channel (transmit side). */
  downlink: PhysicalChannel;
  /** Downlink frame format and coding. */
  format: DownlinkFormat;
  /** Downlink channel symbols per second. */
  symbolRate: number;
  /** Uplink TC randomiser (default true). */
  uplinkRandomize?: boolean;
  /** Housekeeping period in ms (0 or absent: none). */
  housekeepingIntervalMs?: number;
}

/** The spacecraft node. */
export class Spacecraft {
  /** The on-board CFDP entity. */
  readonly entity: CfdpEntity;
  /** The entity's MIB (the ground as its only remote entity). */
  readonly mib: Mib;
  /** TC reception: CLTUs, FARM-1, MAP reassembly. */
  readonly uplink: UplinkReceiver;
  /** TM transmission: virtual channels, coding chain. */
  readonly downlink: DownlinkSender;
  /** Housekeeping telemetry source (when enabled). */
  readonly housekeeping: HousekeepingSource | undefined;
  /** Telecommands executed. */
  commandsAccepted = 0;
  /** Files received over CFDP. */
  filesReceived = 0;
  /** CFDP PDUs sent, by kind. */
  readonly cfdpPdus: PduCounts = newPduCounts();
  private readonly port: PacketPort;
  private readonly transport: PacketTransport;

  constructor(o: SpacecraftOptions) {
    this.downlink = new DownlinkSender({
      ...o.format,
      clock: o.clock,
      channel: o.downlink,
      symbolRate: o.symbolRate,
      virtualChannels: [MISSION_VCS.housekeeping, MISSION_VCS.cfdp],
      ocf: () => this.uplink.clcw(),
    });
    this.uplink = new UplinkReceiver({
      spacecraftId: o.spacecraftId,
      randomize: o.uplinkRandomize ?? true,
      onPacket: (mapId, packet) => this.route(mapId, packet),
      onClcwChange: () => this.downlink.requestReport(),
    });
    this.port = new PacketPort(SPACECRAFT_ADDRESS, GROUND_ADDRESS, (p) => {
      countPdu(this.cfdpPdus, p);
      return this.downlink.send(MISSION_VCS.cfdp, p);
    });
    this.transport = new PacketTransport(this.port, {
      apid: MISSION_APIDS.cfdp,
      packetType: PacketType.TELEMETRY,
    });
    this.entity = new CfdpEntity({
      mib: (this.mib = missionMib(
        o.entityId,
        o.groundEntityId,
        GROUND_ADDRESS,
        o.cfdp,
        'spacecraft',
      )),
      transport: this.transport,
      filestore: o.filestore,
      clock: o.clock,
    });
    this.entity.events.on('transactionFinished', (e) => {
      if (e.role === 'receiver' && e.conditionCode === 0) this.filesReceived++;
    });
    const hk = o.housekeepingIntervalMs ?? 0;
    this.housekeeping =
      hk > 0
        ? new HousekeepingSource(
            o.clock,
            hk,
            () => ({
              commandsAccepted: this.commandsAccepted,
              filesReceived: this.filesReceived,
              uplinkFrames: this.uplink.stats.acceptedFrames,
              mode: 1,
            }),
            (p) => void this.downlink.send(MISSION_VCS.housekeeping, p),
          )
        : undefined;
  }

  /** Feeds the uplink channel's output (hard bits). */
  receive(bits: Uint8Array, count: number): void {
    this.uplink.push(bits, count);
  }

  /** Stops the node. */
  async close(): Promise<void> {
    this.housekeeping?.close();
    await this.entity.close(0);
    this.downlink.close();
    await this.transport.close();
  }

  private route(mapId: number, packet: Uint8Array): void {
    if (packet.length < 6 || packet[0]! >> 5 !== 0) return;
    const apid = decodeSpacePacketHeader(packet).apid;
    if (mapId === MISSION_MAPS.cfdp && apid === MISSION_APIDS.cfdp) this.port.deliver(packet);
    else if (mapId === MISSION_MAPS.command && apid === MISSION_APIDS.command) {
      try {
        decodeSpacePacket(packet);
        this.commandsAccepted++;
      } catch {
        // a malformed command is not executed
      }
    }
  }
}

/** Options of {@link GroundRadio}: the ground station's link equipment. */
export interface GroundRadioOptions {
  clock: Clock;
  spacecraftId: number;
  /** The uplink channel (transmit side). */
  uplink: PhysicalChannel;
  /** Downlink frame format and coding. */
  format: DownlinkFormat;
  /** COP-1 (true) or Type-BD frames (false). */
  cop1: boolean;
  /** FOP-1 parameters (T1 in ms). */
  fop?: Fop1Settings;
  /** Longest TC frame (default 1024). */
  maxFrameLength?: number;
  /** TC randomiser (default true). */
  uplinkRandomize?: boolean;
  /** A telecommand every so many ms (0 or absent: none). */
  commandIntervalMs?: number;
  /** Receives every housekeeping packet as received (for archiving, e.g. a telemetry file). */
  onHousekeeping?: (packet: Uint8Array) => void;
}

/**
 * The ground station's link equipment without a CFDP entity: TC transmission under COP-1, TM
 * reception through the decoding chain, housekeeping decoding, a telecommand source, and
 * {@link GroundRadio.cfdpTransport}, the `Transport` a CFDP entity of the mission control system
 * uses to reach the spacecraft (a console's own entity, say; {@link GroundStation} brings one).
 */
export class GroundRadio {
  /** TC transmission: MAP segmentation, FOP-1, CLTUs. */
  readonly uplink: UplinkSender;
  /** TM reception: Viterbi, sync, RS, demultiplexing, packet extraction. */
  readonly downlink: DownlinkReceiver;
  /** Housekeeping decoding. */
  readonly telemetry = new HousekeepingMonitor();
  /** CFDP PDUs in Space Packets over the space link, addressed to {@link SPACECRAFT_ADDRESS}. */
  readonly cfdpTransport: PacketTransport;
  /** Telecommands sent. */
  commandsSent = 0;
  /** CFDP PDUs sent, by kind. */
  readonly cfdpPdus: PduCounts = newPduCounts();
  private readonly clock: Clock;
  private readonly port: PacketPort;
  private readonly commandIntervalMs: number;
  private commandTimer: TimerId | undefined;
  private commandCount = 0;

  constructor(o: GroundRadioOptions) {
    this.clock = o.clock;
    this.uplink = new UplinkSender({
      clock: o.clock,
      channel: o.uplink,
      spacecraftId: o.spacecraftId,
      cop1: o.cop1,
      randomize: o.uplinkRandomize ?? true,
      ...(o.fop !== undefined ? { fop: o.fop } : {}),
      ...(o.maxFrameLength !== undefined ? { maxFrameLength: o.maxFrameLength } : {}),
    });
    this.downlink = new DownlinkReceiver({
      ...o.format,
      onPacket: (p) => {
        if (p.packetVersionNumber !== 0 || p.quality !== 'good' || p.data.length < 6) return;
        const apid = decodeSpacePacketHeader(p.data).apid;
        if (p.virtualChannelId === MISSION_VCS.cfdp && apid === MISSION_APIDS.cfdp) {
          this.port.deliver(p.data);
        } else if (apid === MISSION_APIDS.housekeeping) {
          this.telemetry.push(p.data);
          o.onHousekeeping?.(p.data);
        }
      },
      onOcf: (ocf) => this.uplink.receiveClcw(ocf),
    });
    this.port = new PacketPort(GROUND_ADDRESS, SPACECRAFT_ADDRESS, (p) => {
      countPdu(this.cfdpPdus, p);
      return this.uplink.send(MISSION_MAPS.cfdp, p);
    });
    this.cfdpTransport = new PacketTransport(this.port, {
      apid: MISSION_APIDS.cfdp,
      packetType: PacketType.TELECOMMAND,
    });
    this.commandIntervalMs = o.commandIntervalMs ?? 0;
    if (this.commandIntervalMs > 0) {
      this.commandTimer = o.clock.setTimer(this.commandIntervalMs, () => this.command());
    }
  }

  /** Feeds the downlink channel's output (soft symbols). */
  receive(symbols: Uint8Array, count: number): void {
    this.downlink.push(symbols, count);
  }

  /** Stops the telecommand source and the uplink, and closes the CFDP transport. */
  async close(): Promise<void> {
    if (this.commandTimer !== undefined) this.clock.cancelTimer(this.commandTimer);
    this.uplink.close();
    await this.cfdpTransport.close();
  }

  private command(): void {
    // A no-operation telecommand: function code 0, argument the command counter.
    const arg = this.commandCount++ & 0xffff;
    const packet = encodeSpacePacket({
      apid: MISSION_APIDS.command,
      packetType: PacketType.TELECOMMAND,
      packetSequenceCount: arg & 0x3fff,
      userData: new Uint8Array([0, arg >> 8, arg & 0xff]),
    });
    this.commandsSent++;
    void this.uplink.send(MISSION_MAPS.command, packet);
    this.commandTimer = this.clock.setTimer(this.commandIntervalMs, () => this.command());
  }
}

/** Options of {@link GroundStation}. */
export interface GroundStationOptions extends GroundRadioOptions {
  /** CFDP entity ID of the ground. */
  entityId: number;
  /** CFDP entity ID of the spacecraft. */
  spacecraftEntityId: number;
  /** Ground filestore. */
  filestore: FileStore;
  /** CFDP settings for the spacecraft as a remote entity. */
  cfdp?: CfdpRemoteSettings;
}

/** The ground station node: its {@link GroundRadio} and a CFDP entity on it. */
export class GroundStation {
  /** The link equipment. */
  readonly radio: GroundRadio;
  /** The ground CFDP entity. */
  readonly entity: CfdpEntity;
  /** The entity's MIB. */
  readonly mib: Mib;

  constructor(o: GroundStationOptions) {
    this.radio = new GroundRadio(o);
    this.mib = missionMib(o.entityId, o.spacecraftEntityId, SPACECRAFT_ADDRESS, o.cfdp, 'ground');
    this.entity = new CfdpEntity({
      mib: this.mib,
      transport: this.radio.cfdpTransport,
      filestore: o.filestore,
      clock: o.clock,
    });
  }

  /** TC transmission: MAP segmentation, FOP-1, CLTUs. */
  get uplink(): UplinkSender {
    return this.radio.uplink;
  }

  /** TM reception: Viterbi, sync, RS, demultiplexing, packet extraction. */
  get downlink(): DownlinkReceiver {
    return this.radio.downlink;
  }

  /** Housekeeping decoding. */
  get telemetry(): HousekeepingMonitor {
    return this.radio.telemetry;
  }

  /** Telecommands sent. */
  get commandsSent(): number {
    return this.radio.commandsSent;
  }

  /** CFDP PDUs sent, by kind. */
  get cfdpPdus(): PduCounts {
    return this.radio.cfdpPdus;
  }

  /** Feeds the downlink channel's output (soft symbols). */
  receive(symbols: Uint8Array, count: number): void {
    this.radio.receive(symbols, count);
  }

  /** Stops the node. */
  async close(): Promise<void> {
    await this.entity.close(0);
    await this.radio.close();
  }
}
