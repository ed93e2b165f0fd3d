/**
 * `ccsds web --sim <scenario>`: the console's spacecraft on the other side of a simulated space
 * link (`ccsds/mission`), in real time. The spacecraft node (CFDP entity with the demo's remote
 * operations policy, FARM-1, TM downlink with housekeeping) and the ground station's link
 * equipment (`GroundRadio`: FOP-1, CLTUs, the TM decoding chain) are joined by two physical
 * channels with the scenario's light time, rates, codes and Eb/N0; contact is continuous (the
 * scenario's pass plan is not used in the console).
 *
 * The console's own CFDP entity reaches the spacecraft the way a mission control system reaches
 * a ground station front end: over loopback UDP to this bridge, which hands the PDUs to the
 * radio (and the radio's PDUs back). The housekeeping the radio receives is forwarded over UDP
 * to the console's packet source, and the Links page shows both directions: codeblocks good,
 * corrected and lost, CLTUs, and the COP-1 state.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from 'ccsds/core';
import { RemoteOperations } from 'ccsds/cfdp';
import type { PacketDefinition } from 'ccsds/decode';
import { NativeFileStore } from 'ccsds/filestore/node';
import {
  GroundRadio,
  PhysicalChannel,
  type PhysicalChannelOptions,
  SPACECRAFT_ADDRESS,
  type Scenario,
  type ScenarioSetup,
  Spacecraft,
  housekeepingDefinitions,
  scenarioSetup,
} from 'ccsds/mission';
import type { Transport } from 'ccsds/transport';
import { createTransport } from 'ccsds/transport/node';
import { DEMO_ALLOWED_OPERATIONS, writeDemoFiles } from './demo.js';
import type { LinkStatus } from './links.js';

/** Link IDs of the two directions on the Links page. */
export const SIM_LINK_IDS = { downlink: 'space:downlink', uplink: 'space:uplink' } as const;

/** See the module comment. */
export class SimulatedSpaceLink {
  /** The packet definitions of the spacecraft's housekeeping. */
  readonly definitions: PacketDefinition[] = housekeepingDefinitions();
  private readonly enabled = { downlink: true, uplink: true };
  private readonly dropped = { downlink: 0, uplink: 0 };
  private lastDown: number | undefined;
  private lastUp: number | undefined;
  private hkSocket: Socket | undefined;
  private ops: RemoteOperations | undefined;
  private unsubscribe: (() => void)[] = [];

  private constructor(
    readonly scenario: Scenario,
    private readonly setup: ScenarioSetup,
    readonly root: string,
    private readonly bridge: Transport,
    private readonly spacecraft: Spacecraft,
    private readonly radio: GroundRadio,
    private readonly up: PhysicalChannel,
    private readonly down: PhysicalChannel,
    private readonly filestore: NativeFileStore,
    private readonly clock: RealClock,
  ) {}

  /**
   * Builds the spacecraft (with a sample filestore in a temporary folder), the ground radio and
   * the channels of `scenario`, and binds the bridge's UDP port.
   */
  static async create(scenario: Scenario, groundEntityId: bigint): Promise<SimulatedSpaceLink> {
    const setup = scenarioSetup(scenario);
    const root = mkdtempSync(join(tmpdir(), 'ccsds-web-sim-spacecraft-'));
    try {
      writeDemoFiles(root);
      const filestore = await NativeFileStore.open(root);
      const clock = new RealClock();
      const continuous = (o: PhysicalChannelOptions): PhysicalChannelOptions => {
        const { contacts: _, ...rest } = o;
        return rest;
      };
      // The channels and the radio call into the link object, made once they exist.
      const ref: { link?: SimulatedSpaceLink } = {};
      const up = new PhysicalChannel(clock, continuous(setup.uplinkChannel), (bits, n) =>
        ref.link?.deliverUp(bits, n),
      );
      const down = new PhysicalChannel(clock, continuous(setup.downlinkChannel), (symbols, n) =>
        ref.link?.deliverDown(symbols, n),
      );
      const spacecraft = new Spacecraft({
        ...setup.spacecraft,
        cfdp: { ...setup.spacecraft.cfdp, allowedOperations: DEMO_ALLOWED_OPERATIONS },
        clock,
        groundEntityId: Number(groundEntityId),
        filestore,
        downlink: down,
      });
      const radio = new GroundRadio({
        ...setup.ground,
        clock,
        uplink: up,
        onHousekeeping: (p) => ref.link?.forward(p),
      });
      const bridge = await createTransport('udp://127.0.0.1:0');
      const link = new SimulatedSpaceLink(
        scenario,
        setup,
        root,
        bridge,
        spacecraft,
        radio,
        up,
        down,
        filestore,
        clock,
      );
      ref.link = link;
      return link;
    } catch (e) {
      rmSync(root, { recursive: true, force: true });
      throw e;
    }
  }

  /** The address the console's CFDP entity sends the spacecraft's PDUs to (the bridge). */
  get address(): string {
    return this.bridge.address;
  }

  /** The spacecraft's CFDP entity ID. */
  get entityId(): bigint {
    return BigInt(this.scenario.spacecraft.entityId);
  }

  /** CFDP settings towards the spacecraft for the console's MIB (the scenario's ground end). */
  get cfdpSettings(): Record<string, unknown> {
    return { ...this.setup.ground.cfdp };
  }

  /**
   * Starts the bridge (PDUs between the console's entity at `stationAddress` and the radio),
   * the spacecraft's remote operations, and the housekeeping forwarding to `hkTarget`.
   */
  start(stationAddress: string, hkTarget: { host: string; port: number }): void {
    this.ops = new RemoteOperations(this.spacecraft.entity, this.filestore, this.spacecraft.mib, {
      clock: this.clock,
    });
    const toRadio = this.bridge.events.on('message', (data) => {
      void this.radio.cfdpTransport.send(SPACECRAFT_ADDRESS, data).catch(() => undefined);
    });
    const fromRadio = this.radio.cfdpTransport.events.on('message', (data) => {
      void this.bridge.send(stationAddress, data).catch(() => undefined);
    });
    this.unsubscribe = [toRadio, fromRadio];
    this.hkSocket = createSocket('udp4');
    this.hkTarget = hkTarget;
  }

  /** Whether `id` is one of this link's directions. */
  has(id: string): boolean {
    return id === SIM_LINK_IDS.downlink || id === SIM_LINK_IDS.uplink;
  }

  /**
   * The operator's switch of one direction: while disabled, the receiver hears nothing (the
   * symbols are counted as dropped), as when the antenna is taken off the link.
   */
  setEnabled(id: string, enabled: boolean): void {
    if (id === SIM_LINK_IDS.downlink) this.enabled.downlink = enabled;
    else if (id === SIM_LINK_IDS.uplink) this.enabled.uplink = enabled;
  }

  /** The two directions as the Links page shows them. */
  links(): LinkStatus[] {
    const d = this.radio.downlink.stats;
    const fop = this.radio.uplink.fop.status();
    const upSent = this.radio.uplink.stats;
    const upRx = this.spacecraft.uplink.stats;
    const s = this.scenario;
    const db = (x: number | undefined): string =>
      x === undefined ? '' : `, Eb/N0 ${x.toFixed(1)} dB`;
    const setup = this.setup;
    return [
      {
        id: SIM_LINK_IDS.downlink,
        kind: `TM downlink (${s.name})`,
        address: `${s.downlink.symbolRate} sym/s, ${s.lightTimeS} s light time${db(setup.downlinkSignal.ebN0Db)}`,
        enabled: this.enabled.downlink,
        state: this.enabled.downlink ? 'up' : 'disabled by operator',
        unit: 'codeblocks',
        good: d.chain.ok,
        corrected: d.chain.corrected,
        lost: d.chain.failed,
        sent: this.spacecraft.downlink.stats.frames,
        octetsIn: Math.floor(this.down.stats.symbolsDelivered / 8),
        droppedWhileDisabled: this.dropped.downlink,
        cop1: 'carries the CLCW (OCF)',
        lastActivityAt: this.lastDown,
      },
      {
        id: SIM_LINK_IDS.uplink,
        kind: `TC uplink (${s.name}${s.uplink.cop1 === false ? ', Type-BD' : ', COP-1'})`,
        address: `${s.uplink.symbolRate} sym/s${db(setup.uplinkSignal.ebN0Db)}`,
        enabled: this.enabled.uplink,
        state: this.enabled.uplink ? 'up' : 'disabled by operator',
        unit: 'CLTUs',
        good: upRx.cltus - upRx.rejectedCltus,
        corrected: upRx.correctedCodeblocks,
        lost: upRx.rejectedCltus + Math.max(0, upSent.cltus - upRx.cltus),
        sent: upSent.cltus,
        octetsIn: Math.floor(this.up.stats.symbolsDelivered / 8),
        droppedWhileDisabled: this.dropped.uplink,
        cop1:
          s.uplink.cop1 === false
            ? 'off (Type-BD frames)'
            : `FOP-1 ${fop.state}, V(S) ${fop.vS}, NN(R) ${fop.nnR}, FARM-1 V(R) ${this.spacecraft.uplink.farm.vR}, ${upSent.retransmissions} retx, ${upSent.alerts} alerts`,
        lastActivityAt: this.lastUp,
      },
    ];
  }

  /** Stops everything and removes the spacecraft's temporary filestore. */
  async close(): Promise<void> {
    for (const f of this.unsubscribe) f();
    this.hkSocket?.close();
    this.ops?.close();
    await this.spacecraft.close();
    await this.radio.close();
    this.up.close();
    this.down.close();
    await this.bridge.close();
    rmSync(this.root, { recursive: true, force: true });
  }

  private hkTarget: { host: string; port: number } | undefined;

  private forward(packet: Uint8Array): void {
    const t = this.hkTarget;
    if (t !== undefined) this.hkSocket?.send(packet, t.port, t.host);
  }

  private deliverDown(symbols: Uint8Array, n: number): void {
    if (!this.enabled.downlink) {
      this.dropped.downlink += n;
      return;
    }
    this.lastDown = Date.now();
    this.radio.receive(symbols, n);
  }

  private deliverUp(bits: Uint8Array, n: number): void {
    if (!this.enabled.uplink) {
      this.dropped.uplink += n;
      return;
    }
    this.lastUp = Date.now();
    this.spacecraft.receive(bits, n);
  }
}
