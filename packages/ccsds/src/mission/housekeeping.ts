/**
 * Spacecraft housekeeping telemetry for the simulated mission: one packet definition (the JSON
 * format of `ccsds/decode`, so the ground decodes it like any mission's telemetry), a source on
 * board that samples plausible values, and a ground-side monitor that decodes the packets with
 * the telemetry decoder and checks their sequence counts (CCSDS 133.0-B-2 section 4.1.3.4).
 */
import { type Clock, type TimerId } from '../core/index.js';
import {
  PacketEncoder,
  type PacketDefinition,
  TelemetryDecoder,
  getColumn,
  loadJsonDefinitions,
} from '../decode/index.js';
import { decodeSpacePacketHeader } from '../spp/index.js';

/** APID of the housekeeping packets (default). */
export const HOUSEKEEPING_APID = 100;

/** The housekeeping packet definition, as JSON text a user can save and edit. */
export const HOUSEKEEPING_DEFINITION_JSON = JSON.stringify(
  {
    definitions: [
      {
        name: 'housekeeping',
        apid: HOUSEKEEPING_APID,
        description: 'Simulated spacecraft housekeeping (ccsds/mission)',
        fields: [
          { name: 'UPTIME', type: 'uint', bits: 32, unit: 's' },
          { name: 'MODE', type: 'uint', bits: 8 },
          { name: 'BATTERY_RAW', type: 'uint', bits: 16 },
          { name: 'TEMP_RAW', type: 'int', bits: 16 },
          { name: 'COMMANDS_ACCEPTED', type: 'uint', bits: 16 },
          { name: 'FILES_RECEIVED', type: 'uint', bits: 16 },
          { name: 'UPLINK_FRAMES', type: 'uint', bits: 32 },
        ],
        converters: [
          {
            kind: 'enum',
            output: 'MODE_NAME',
            input: 'MODE',
            values: { '0': 'SAFE', '1': 'NOMINAL', '2': 'DOWNLINK' },
          },
          { kind: 'linear', output: 'BATTERY_V', input: 'BATTERY_RAW', slope: 0.001, intercept: 0 },
          { kind: 'linear', output: 'TEMP_C', input: 'TEMP_RAW', slope: 0.01, intercept: 0 },
        ],
      },
    ],
  },
  null,
  2,
);

/** The housekeeping definition, parsed. */
export function housekeepingDefinitions(): PacketDefinition[] {
  return loadJsonDefinitions(HOUSEKEEPING_DEFINITION_JSON);
}

/** What the spacecraft reports in each housekeeping packet (besides its clock-derived values). */
export interface HousekeepingState {
  /** Telecommands accepted so far. */
  commandsAccepted: number;
  /** Files received over CFDP so far. */
  filesReceived: number;
  /** TC frames accepted by FARM-1 so far. */
  uplinkFrames: number;
  /** 0 safe, 1 nominal, 2 downlink. */
  mode: number;
}

/**
 * Samples housekeeping every `intervalMs` of clock time and hands each packet to `send`
 * (the downlink's telemetry virtual channel).
 */
export class HousekeepingSource {
  /** Packets generated. */
  generated = 0;
  private readonly clock: Clock;
  private readonly encoder = new PacketEncoder(housekeepingDefinitions());
  private readonly intervalMs: number;
  private readonly state: () => HousekeepingState;
  private readonly send: (packet: Uint8Array) => void;
  private timer: TimerId | undefined;
  private readonly startedAt: number;

  /**
   * @param clock - sampling timer
   * @param intervalMs - sampling period in ms
   * @param state - the spacecraft's current counters
   * @param send - where packets go
   */
  constructor(
    clock: Clock,
    intervalMs: number,
    state: () => HousekeepingState,
    send: (packet: Uint8Array) => void,
  ) {
    this.clock = clock;
    this.intervalMs = intervalMs;
    this.state = state;
    this.send = send;
    this.startedAt = clock.now();
    this.timer = clock.setTimer(0, () => this.sample());
  }

  /** Stops sampling. */
  close(): void {
    if (this.timer !== undefined) this.clock.cancelTimer(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    const t = (this.clock.now() - this.startedAt) / 1000;
    const s = this.state();
    const orbit = (2 * Math.PI * t) / 5400;
    const packet = this.encoder.encode('housekeeping', {
      UPTIME: Math.floor(t),
      MODE: s.mode,
      BATTERY_RAW: Math.round(7400 + 300 * Math.sin(orbit)),
      TEMP_RAW: Math.round(1500 + 1200 * Math.sin(orbit + 1)),
      COMMANDS_ACCEPTED: s.commandsAccepted & 0xffff,
      FILES_RECEIVED: s.filesReceived & 0xffff,
      UPLINK_FRAMES: s.uplinkFrames >>> 0,
    });
    this.generated++;
    this.send(packet);
    this.timer = this.clock.setTimer(this.intervalMs, () => this.sample());
  }
}

/** Latest decoded housekeeping values (engineering units). */
export interface HousekeepingSample {
  uptimeS: number;
  mode: string;
  batteryV: number;
  temperatureC: number;
  commandsAccepted: number;
  filesReceived: number;
  uplinkFrames: number;
}

/** Sample indices a {@link HousekeepingMonitor} remembers for duplicate and loss accounting. */
const WINDOW = 1 << 16;

/** Ground-side decoding and accounting of the housekeeping packets (bounded memory). */
export class HousekeepingMonitor {
  /** Packets decoded. */
  decoded = 0;
  /** The newest sample, once one arrived. */
  latest: HousekeepingSample | undefined;
  private readonly decoder: TelemetryDecoder;
  /** Arrival flags of the newest {@link WINDOW} sample indices (slot = index mod WINDOW). */
  private readonly window = new Uint8Array(WINDOW);
  private unique = 0;
  private highest = -1;

  constructor() {
    this.decoder = new TelemetryDecoder(housekeepingDefinitions(), { batchRows: 1 }, (t) => {
      const col = (n: string): ArrayLike<unknown> => getColumn(t, n)?.values ?? [];
      const i = t.rows - 1;
      if (i < 0) return;
      this.decoded += t.rows;
      this.latest = {
        uptimeS: Number(col('UPTIME')[i]),
        mode: String(col('MODE_NAME')[i]),
        batteryV: Number(col('BATTERY_V')[i]),
        temperatureC: Number(col('TEMP_C')[i]),
        commandsAccepted: Number(col('COMMANDS_ACCEPTED')[i]),
        filesReceived: Number(col('FILES_RECEIVED')[i]),
        uplinkFrames: Number(col('UPLINK_FRAMES')[i]),
      };
    });
  }

  /** Decodes one received housekeeping packet. */
  push(packet: Uint8Array): void {
    const h = decodeSpacePacketHeader(packet);
    // Sequence counts are modulo 16384: the count extended by wraps (relative to the newest
    // one seen) is the sample index.
    let index = h.packetSequenceCount;
    const floor = this.highest - 8192;
    if (index <= floor) index += Math.ceil((floor - index + 1) / 16384) * 16384;
    if (index > this.highest) {
      // Slots leaving the window are cleared as it moves on (memory stays bounded).
      for (let i = Math.max(this.highest + 1, index - WINDOW + 1); i <= index; i++) {
        this.window[i % WINDOW] = 0;
      }
      this.highest = index;
    }
    if (index > this.highest - WINDOW && this.window[index % WINDOW] === 0) {
      this.window[index % WINDOW] = 1;
      this.unique++;
    }
    this.decoder.push(packet);
    this.decoder.flush();
  }

  /**
   * Samples with an index below `generated` that never arrived (samples arriving later than
   * {@link WINDOW} samples behind the newest count as missing).
   */
  missing(generated: number): number {
    let above = 0;
    for (let i = Math.max(generated, this.highest - WINDOW + 1); i <= this.highest; i++) {
      above += this.window[i % WINDOW]!;
    }
    return Math.max(0, generated - (this.unique - above));
  }

  /** The decoder's report (sequence anomalies, undecoded packets). */
  report(): ReturnType<TelemetryDecoder['report']> {
    return this.decoder.report();
  }
}
