/**
 * The simulated mission: a {@link GroundStation} and a {@link Spacecraft} joined by two
 * {@link PhysicalChannel}s, run from a {@link Scenario} in the virtual time of a
 * `SimulatedClock` (a 20-minute light time passes in milliseconds) or in scaled real time. It
 * puts the scenario's files, watches every layer, checks each delivered file byte for byte
 * against its source, and ends with a {@link MissionReport}.
 */
import { CcsdsError, CcsdsErrorCode, SeededRandom, SimulatedClock } from '../core/index.js';
import { ConditionCode, type TransactionId } from '../cfdp/index.js';
import { type FileStore, MemoryFileStore } from '../filestore/index.js';
import {
  PhysicalChannel,
  type PhysicalChannelOptions,
  type PhysicalChannelStats,
} from './channel.js';
import { type DownlinkFormat, downlinkCodeRate } from './downlink.js';
import type { HousekeepingSample } from './housekeeping.js';
import {
  LINK_BUDGET_PRESETS,
  type LinkBudget,
  type LinkBudgetInput,
  type LinkBudgetPreset,
  linkBudget,
} from './link-budget.js';
import {
  type CfdpRemoteSettings,
  GroundStation,
  type GroundStationOptions,
  Spacecraft,
  type SpacecraftOptions,
} from './nodes.js';
import type { PduCounts } from './pdu-counts.js';
import { type Scenario, type ScenarioSignal, parseScenario } from './scenario.js';

/** Information bits per channel bit of a CLTU (BCH(63,56) codeblocks of 64 bits). */
export const UPLINK_CODE_RATE = 56 / 64;

/**
 * Default FOP-1 timer T1 of a scenario: one frame's air time (T1 runs from the start of the
 * transmission), the round trip, and two seconds for the CLCW to come down.
 */
export function defaultT1S(s: Scenario): number {
  const frame = s.uplink.maxFrameLength ?? 1024;
  const cltuBits = (Math.ceil(frame / 7) * 8 + 10) * 8;
  return cltuBits / s.uplink.symbolRate + 2 * s.lightTimeS + 2;
}

/** Outcome of one transfer. */
export interface TransferResult {
  direction: 'up' | 'down';
  file: string;
  size: number;
  class: 1 | 2;
  /** 'completed': delivered and byte-identical; 'failed': ended by a fault; 'open': still running at the end. */
  status: 'completed' | 'failed' | 'open';
  /** Condition code of the receiving end (or of the sender when the receiver never finished). */
  conditionCode: number | undefined;
  /** The condition code's name. */
  condition: string | undefined;
  /** The destination file equals the source (undefined when no file was delivered). */
  identical: boolean | undefined;
  /** A file appeared under the destination name with wrong content (must never happen). */
  wrongFile: boolean;
  /** Octets the receiver holds (progress). */
  bytesDone: number;
  /** Seconds from the start of the run. */
  startedS: number | undefined;
  /** Seconds from the start of the run at which the receiver finished. */
  finishedS: number | undefined;
}

/** Live figures of a run. */
export interface MissionProgress {
  /** Virtual seconds since the start. */
  timeS: number;
  /** Whether the spacecraft is in contact now. */
  inContact: boolean;
  transfers: {
    direction: 'up' | 'down';
    file: string;
    size: number;
    bytesDone: number;
    status: string;
  }[];
  downlink: {
    codeblocks: number;
    good: number;
    corrected: number;
    lost: number;
    rsSymbolsCorrected: number;
    channelSymbolErrors: number;
    syncLosses: number;
  };
  uplink: {
    cltus: number;
    bchCorrected: number;
    rejected: number;
    framesAccepted: number;
    cop1Retransmissions: number;
    cop1Alerts: number;
    fopState: string;
  };
  cfdp: { groundNaks: number; spacecraftNaks: number };
  telemetry: { generated: number; decoded: number };
}

/** The report at the end of a run. */
export interface MissionReport {
  scenario: string;
  /** Every transfer completed and is byte-identical. */
  ok: boolean;
  /** Virtual seconds simulated. */
  virtualTimeS: number;
  transfers: TransferResult[];
  telemetry: {
    generated: number;
    decoded: number;
    /** Samples generated before the last light time that never arrived. */
    missing: number;
    sequenceAnomalies: number;
    latest: HousekeepingSample | undefined;
  };
  commands: { sent: number; executed: number };
  downlink: {
    ebN0Db: number | undefined;
    budget: LinkBudget | undefined;
    symbolRate: number;
    codeRate: number;
    channel: PhysicalChannelStats;
    codeblocks: number;
    good: number;
    corrected: number;
    uncorrectable: number;
    rsSymbolsCorrected: number;
    syncLosses: number;
    framesAccepted: number;
    badFrames: number;
    lostFramesByCount: number;
    packetsDropped: number;
    bursts: number;
  };
  uplink: {
    ebN0Db: number | undefined;
    budget: LinkBudget | undefined;
    symbolRate: number;
    channel: PhysicalChannelStats;
    cop1: boolean;
    cltus: number;
    cltusReceived: number;
    bchCorrected: number;
    rejectedCltus: number;
    badFrames: number;
    framesAccepted: number;
    framesDiscarded: number;
    adFrames: number;
    retransmissions: number;
    bcFrames: number;
    bdFrames: number;
    alerts: number;
  };
  cfdp: { ground: PduCounts; spacecraft: PduCounts };
}

/** Options of {@link Mission}. */
export interface MissionOptions {
  /** Filestores of the two nodes (default: in memory). */
  filestores?: { ground: FileStore; spacecraft: FileStore };
  /** Receives every housekeeping packet the ground station receives, as received. */
  onHousekeeping?: (packet: Uint8Array) => void;
}

/** Options of {@link Mission.run}. */
export interface MissionRunOptions {
  /** Called every `progressIntervalS` of virtual time. */
  onProgress?: (p: MissionProgress) => void;
  /** Virtual seconds between progress reports (default 10). */
  progressIntervalS?: number;
  /**
   * Run in real time scaled by this factor (1 = real time, 60 = a minute per second); absent:
   * as fast as possible in virtual time.
   */
  realTimeScale?: number;
}

interface Tracked {
  spec: Scenario['transfers'][number];
  id: TransactionId | undefined;
  key: string | undefined;
  startedAt: number | undefined;
  senderDone: boolean;
  senderCondition: number | undefined;
  receiverDone: boolean;
  receiverCondition: number | undefined;
  receiverAt: number | undefined;
  bytesDone: number;
}

const CONDITION_NAMES = new Map<number, string>(
  Object.entries(ConditionCode).map(([k, v]) => [v, k]),
);

function key(id: TransactionId): string {
  return `${id.sourceEntityId}:${id.sequenceNumber}`;
}

/**
 * Resolves a direction's signal: Eb/N0 (given, or from its link budget: a preset's budget for
 * that direction with the scenario's overrides, at the direction's information rate) or a raw
 * bit error rate.
 * @throws CcsdsError `INVALID_ARGUMENT` for an unknown preset or budget inputs out of range
 */
export function resolveSignal(
  signal: ScenarioSignal,
  informationRate: number,
  direction: 'uplink' | 'downlink',
): {
  ebN0Db: number | undefined;
  bitErrorRate: number | undefined;
  budget: LinkBudget | undefined;
} {
  if (signal.budget !== undefined) {
    const { preset, ...overrides } = signal.budget;
    let base: Partial<LinkBudgetInput> = {};
    if (preset !== undefined) {
      const p = (LINK_BUDGET_PRESETS as Record<string, LinkBudgetPreset | undefined>)[preset];
      if (p === undefined) {
        throw new CcsdsError(
          CcsdsErrorCode.INVALID_ARGUMENT,
          `unknown link budget preset '${preset}' (known: ${Object.keys(LINK_BUDGET_PRESETS).join(', ')})`,
        );
      }
      base = p[direction];
    }
    const budget = linkBudget({
      ...base,
      ...overrides,
      dataRateBps: informationRate,
    } as LinkBudgetInput);
    return { ebN0Db: budget.ebN0Db, bitErrorRate: undefined, budget };
  }
  return { ebN0Db: signal.ebN0Db, bitErrorRate: signal.bitErrorRate, budget: undefined };
}

/**
 * Everything a scenario says about the link and the nodes, resolved: the downlink format, both
 * channels' options (Eb/N0 from the link budget, bursts, pass plan), and the node settings
 * without their clock, filestores and channels, so that the same scenario can also be run on
 * another clock or with other filestores (a console in real time, say).
 */
export interface ScenarioSetup {
  format: DownlinkFormat;
  downlinkSignal: ReturnType<typeof resolveSignal>;
  uplinkSignal: ReturnType<typeof resolveSignal>;
  downlinkChannel: PhysicalChannelOptions;
  uplinkChannel: PhysicalChannelOptions;
  spacecraft: Omit<SpacecraftOptions, 'clock' | 'filestore' | 'downlink' | 'groundEntityId'>;
  ground: Omit<GroundStationOptions, 'clock' | 'filestore' | 'uplink'>;
}

/**
 * Resolves a checked scenario into a {@link ScenarioSetup}.
 * @throws CcsdsError `INVALID_ARGUMENT` for a bad link budget preset or input
 */
export function scenarioSetup(s: Scenario): ScenarioSetup {
  const seed = s.seed ?? 1;
  const contacts = s.passes?.map((p) => ({ startMs: p.startS * 1000, endMs: p.endS * 1000 }));
  const format: DownlinkFormat = {
    spacecraftId: s.spacecraft.spacecraftId,
    frameLength: s.downlink.frameLength ?? 1115,
    coding: {
      ...(s.downlink.rs !== undefined ? { rs: s.downlink.rs } : {}),
      ...(s.downlink.conv !== undefined ? { conv: s.downlink.conv } : {}),
      ...(s.downlink.randomize !== undefined ? { randomize: s.downlink.randomize } : {}),
    },
  };
  const downRate = downlinkCodeRate(format);
  const downlinkSignal = resolveSignal(s.downlink, s.downlink.symbolRate * downRate, 'downlink');
  const uplinkSignal = resolveSignal(s.uplink, s.uplink.symbolRate * UPLINK_CODE_RATE, 'uplink');
  const channel = (
    sig: ReturnType<typeof resolveSignal>,
    bursts: ScenarioSignal['bursts'],
    symbolRate: number,
    codeRate: number,
    output: 'soft' | 'hard',
    channelSeed: number,
  ): PhysicalChannelOptions => ({
    lightTimeMs: s.lightTimeS * 1000,
    symbolRate,
    codeRate,
    output,
    seed: channelSeed,
    ...(sig.ebN0Db !== undefined ? { ebN0Db: sig.ebN0Db } : {}),
    ...(sig.bitErrorRate !== undefined ? { bitErrorRate: sig.bitErrorRate } : {}),
    ...(bursts !== undefined
      ? {
          bursts: {
            meanGapMs: bursts.meanGapS * 1000,
            meanDurationMs: bursts.meanDurationS * 1000,
            ebN0Db: bursts.ebN0Db,
          },
        }
      : {}),
    ...(contacts !== undefined ? { contacts } : {}),
  });
  const common = { ...(s.cfdp ?? {}) };
  delete common['ground'];
  delete common['spacecraft'];
  return {
    format,
    downlinkSignal,
    uplinkSignal,
    uplinkChannel: channel(
      uplinkSignal,
      s.uplink.bursts,
      s.uplink.symbolRate,
      UPLINK_CODE_RATE,
      'hard',
      seed * 2 + 1,
    ),
    downlinkChannel: channel(
      downlinkSignal,
      s.downlink.bursts,
      s.downlink.symbolRate,
      downRate,
      'soft',
      seed * 2 + 2,
    ),
    spacecraft: {
      spacecraftId: s.spacecraft.spacecraftId,
      entityId: s.spacecraft.entityId,
      cfdp: { ...common, ...(s.cfdp?.spacecraft ?? {}) } as CfdpRemoteSettings,
      format,
      symbolRate: s.downlink.symbolRate,
      uplinkRandomize: s.uplink.randomize ?? true,
      housekeepingIntervalMs: (s.telemetry?.intervalS ?? 1) * 1000,
    },
    ground: {
      spacecraftId: s.spacecraft.spacecraftId,
      entityId: s.ground.entityId,
      spacecraftEntityId: s.spacecraft.entityId,
      cfdp: { ...common, ...(s.cfdp?.ground ?? {}) } as CfdpRemoteSettings,
      format,
      cop1: s.uplink.cop1 ?? true,
      fop: {
        t1Ms: (s.uplink.fop?.t1S ?? defaultT1S(s)) * 1000,
        ...(s.uplink.fop?.transmissionLimit !== undefined
          ? { transmissionLimit: s.uplink.fop.transmissionLimit }
          : {}),
        ...(s.uplink.fop?.slidingWindowWidth !== undefined
          ? { slidingWindowWidth: s.uplink.fop.slidingWindowWidth }
          : {}),
      },
      ...(s.uplink.maxFrameLength !== undefined ? { maxFrameLength: s.uplink.maxFrameLength } : {}),
      uplinkRandomize: s.uplink.randomize ?? true,
      commandIntervalMs: (s.commands?.intervalS ?? 0) * 1000,
    },
  };
}

/** One run of a scenario; see the module comment. */
export class Mission {
  /** The checked scenario. */
  readonly scenario: Scenario;
  /** Virtual time of the run. */
  readonly clock: SimulatedClock;
  /** Ground to spacecraft. */
  readonly uplinkChannel: PhysicalChannel;
  /** Spacecraft to ground. */
  readonly downlinkChannel: PhysicalChannel;
  /** The ground station node. */
  readonly ground: GroundStation;
  /** The spacecraft node. */
  readonly spacecraft: Spacecraft;
  /** Filestores of the nodes. */
  readonly filestores: { ground: FileStore; spacecraft: FileStore };
  private readonly setup: ScenarioSetup;
  private readonly tracked: Tracked[] = [];
  private ran = false;

  /**
   * @param scenario - a scenario object or JSON text (checked with {@link parseScenario})
   * @throws CcsdsError `INVALID_ARGUMENT` for a bad scenario
   */
  constructor(scenario: unknown, options: MissionOptions = {}) {
    const s = parseScenario(scenario);
    this.scenario = s;
    this.clock = new SimulatedClock({ seed: s.seed ?? 1 });
    this.filestores = options.filestores ?? {
      ground: new MemoryFileStore(),
      spacecraft: new MemoryFileStore(),
    };
    const setup = scenarioSetup(s);
    this.setup = setup;
    // The nodes are created after the channels; the callbacks reach them through `this`.
    this.uplinkChannel = new PhysicalChannel(this.clock, setup.uplinkChannel, (bits, count) =>
      this.spacecraft.receive(bits, count),
    );
    this.downlinkChannel = new PhysicalChannel(
      this.clock,
      setup.downlinkChannel,
      (symbols, count) => this.ground.receive(symbols, count),
    );
    this.spacecraft = new Spacecraft({
      ...setup.spacecraft,
      clock: this.clock,
      groundEntityId: s.ground.entityId,
      filestore: this.filestores.spacecraft,
      downlink: this.downlinkChannel,
    });
    this.ground = new GroundStation({
      ...setup.ground,
      clock: this.clock,
      filestore: this.filestores.ground,
      uplink: this.uplinkChannel,
      ...(options.onHousekeeping !== undefined ? { onHousekeeping: options.onHousekeeping } : {}),
    });
  }

  /** A snapshot of every layer's figures. */
  progress(): MissionProgress {
    const d = this.ground.downlink.stats;
    const u = this.spacecraft.uplink.stats;
    const up = this.ground.uplink.stats;
    return {
      timeS: this.clock.now() / 1000,
      inContact: this.downlinkChannel.isInContact(this.clock.now()),
      transfers: this.tracked.map((t) => ({
        direction: t.spec.direction,
        file: t.spec.file,
        size: t.spec.size,
        bytesDone: t.bytesDone,
        status: statusOf(t),
      })),
      downlink: {
        codeblocks: d.chain.frames,
        good: d.chain.ok,
        corrected: d.chain.corrected,
        lost: d.chain.failed,
        rsSymbolsCorrected: d.chain.correctedSymbols,
        channelSymbolErrors: this.downlinkChannel.stats.hardSymbolErrors,
        syncLosses: d.chain.syncLosses,
      },
      uplink: {
        cltus: up.cltus,
        bchCorrected: u.correctedCodeblocks,
        rejected: u.rejectedCltus,
        framesAccepted: u.acceptedFrames,
        cop1Retransmissions: up.retransmissions,
        cop1Alerts: up.alerts,
        fopState: this.ground.uplink.fop.state,
      },
      cfdp: {
        groundNaks: this.ground.cfdpPdus.nak,
        spacecraftNaks: this.spacecraft.cfdpPdus.nak,
      },
      telemetry: {
        generated: this.spacecraft.housekeeping?.generated ?? 0,
        decoded: this.ground.telemetry.decoded,
      },
    };
  }

  /**
   * Runs the scenario to its end: every transfer settled, or `maxDurationS` reached. Once only.
   * @throws CcsdsError `INVALID_STATE` when called twice
   */
  async run(options: MissionRunOptions = {}): Promise<MissionReport> {
    if (this.ran) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'a mission runs once');
    this.ran = true;
    const s = this.scenario;
    const clock = this.clock;
    await this.prepareFiles();
    this.watchTransfers();
    for (const t of this.tracked) {
      clock.setTimer((t.spec.atS ?? 0) * 1000, () => void this.start(t));
    }
    const interval = (options.progressIntervalS ?? 10) * 1000;
    let progressTimer: number | undefined;
    if (options.onProgress !== undefined) {
      const report = options.onProgress;
      const tick = (): void => {
        report(this.progress());
        progressTimer = clock.setTimer(interval, tick);
      };
      progressTimer = clock.setTimer(interval, tick);
    }
    const endMs = s.maxDurationS * 1000;
    const settled = (): boolean =>
      this.tracked.every((t) => statusOf(t) !== 'open' && statusOf(t) !== 'waiting');
    await this.advance(settled, endMs, options.realTimeScale);
    // Let the last telemetry and CFDP acknowledgements cross: two light times and a little.
    const tail = Math.min(endMs, clock.now() + 2 * s.lightTimeS * 1000 + 2000);
    const telemetryCutoff = this.spacecraft.housekeeping?.generated ?? 0;
    await this.advance(() => false, tail, options.realTimeScale);
    if (progressTimer !== undefined) clock.cancelTimer(progressTimer);
    options.onProgress?.(this.progress());
    const transfers: TransferResult[] = [];
    for (const t of this.tracked) transfers.push(await this.result(t));
    const report = this.report(transfers, telemetryCutoff);
    await this.spacecraft.close();
    await this.ground.close();
    this.uplinkChannel.close();
    this.downlinkChannel.close();
    return report;
  }

  private async advance(
    until: () => boolean,
    endMs: number,
    scale: number | undefined,
  ): Promise<void> {
    const clock = this.clock;
    if (scale === undefined) {
      await clock.runAsync({ until, untilTime: endMs });
      return;
    }
    const sliceMs = 100;
    const started = Date.now();
    const virtualStart = clock.now();
    while (!until() && clock.now() < endMs) {
      const realElapsed = Date.now() - started;
      const target = Math.min(endMs, virtualStart + (realElapsed + sliceMs) * scale);
      await clock.runAsync({ until, untilTime: target });
      const wait = (target - virtualStart) / scale - (Date.now() - started);
      if (wait > 0) await new Promise<void>((r) => setTimeout(r, wait));
    }
  }

  private async prepareFiles(): Promise<void> {
    const seed = this.scenario.seed ?? 1;
    this.scenario.transfers.forEach((spec) => {
      this.tracked.push({
        spec,
        id: undefined,
        key: undefined,
        startedAt: undefined,
        senderDone: false,
        senderCondition: undefined,
        receiverDone: false,
        receiverCondition: undefined,
        receiverAt: undefined,
        bytesDone: 0,
      });
    });
    for (let i = 0; i < this.tracked.length; i++) {
      const spec = this.tracked[i]!.spec;
      const fs = spec.direction === 'up' ? this.filestores.ground : this.filestores.spacecraft;
      const rng = new SeededRandom(seed * 7919 + i);
      const h = await fs.openWrite(spec.file, { truncate: true });
      const CHUNK = 65536;
      for (let off = 0; off < spec.size; off += CHUNK) {
        await h.write(off, rng.bytes(Math.min(CHUNK, spec.size - off)));
      }
      await h.close();
    }
  }

  private watchTransfers(): void {
    const byKey = (k: string): Tracked | undefined => this.tracked.find((t) => t.key === k);
    for (const entity of [this.ground.entity, this.spacecraft.entity]) {
      entity.events.on('progress', (e) => {
        const t = byKey(key(e.transactionId));
        if (t !== undefined && e.role === 'receiver') t.bytesDone = e.progress;
      });
      entity.events.on('abandoned', (e) => {
        const t = byKey(key(e.transactionId));
        if (t === undefined) return;
        const sender =
          entity === (t.spec.direction === 'up' ? this.ground.entity : this.spacecraft.entity);
        if (sender) {
          t.senderDone = true;
          t.senderCondition = e.conditionCode;
        } else {
          t.receiverDone = true;
          t.receiverCondition = e.conditionCode;
          t.receiverAt = this.clock.now();
        }
      });
      entity.events.on('transactionFinished', (e) => {
        const t = byKey(key(e.transactionId));
        if (t === undefined) return;
        if (e.role === 'receiver') {
          t.receiverDone = true;
          t.receiverCondition = e.conditionCode;
          t.receiverAt = this.clock.now();
          if (e.conditionCode === ConditionCode.NO_ERROR) t.bytesDone = t.spec.size;
        } else {
          t.senderDone = true;
          t.senderCondition = e.conditionCode;
        }
      });
    }
  }

  private async start(t: Tracked): Promise<void> {
    const entity = t.spec.direction === 'up' ? this.ground.entity : this.spacecraft.entity;
    const dest =
      t.spec.direction === 'up' ? this.scenario.spacecraft.entityId : this.scenario.ground.entityId;
    t.startedAt = this.clock.now();
    const id = await entity.put({
      destinationEntityId: dest,
      sourceFileName: t.spec.file,
      destinationFileName: t.spec.file,
      transmissionClass: t.spec.class ?? 2,
    });
    t.id = id;
    t.key = key(id);
  }

  private async result(t: Tracked): Promise<TransferResult> {
    const s = t.spec;
    const src = s.direction === 'up' ? this.filestores.ground : this.filestores.spacecraft;
    const dst = s.direction === 'up' ? this.filestores.spacecraft : this.filestores.ground;
    const exists = (await dst.stat(s.file)) !== undefined;
    const identical = exists ? await sameContent(src, dst, s.file) : undefined;
    const delivered =
      t.receiverDone && t.receiverCondition === ConditionCode.NO_ERROR && identical === true;
    const status = delivered
      ? 'completed'
      : statusOf(t) === 'open' || statusOf(t) === 'waiting'
        ? 'open'
        : 'failed';
    const condition = t.receiverCondition ?? t.senderCondition;
    return {
      direction: s.direction,
      file: s.file,
      size: s.size,
      class: s.class ?? 2,
      status,
      conditionCode: condition,
      condition:
        condition === undefined
          ? undefined
          : (CONDITION_NAMES.get(condition) ?? `code ${condition}`),
      identical,
      wrongFile: identical === false,
      bytesDone: t.bytesDone,
      startedS: t.startedAt === undefined ? undefined : t.startedAt / 1000,
      finishedS: t.receiverAt === undefined ? undefined : t.receiverAt / 1000,
    };
  }

  private report(transfers: TransferResult[], telemetryCutoff: number): MissionReport {
    const d = this.ground.downlink.stats;
    const u = this.spacecraft.uplink.stats;
    const up = this.ground.uplink.stats;
    const hk = this.ground.telemetry;
    const vcs = d.virtualChannels;
    return {
      scenario: this.scenario.name,
      ok: transfers.every((t) => t.status === 'completed'),
      virtualTimeS: this.clock.now() / 1000,
      transfers,
      telemetry: {
        generated: this.spacecraft.housekeeping?.generated ?? 0,
        decoded: hk.decoded,
        missing: hk.missing(telemetryCutoff),
        sequenceAnomalies: hk.report().sequenceAnomalies,
        latest: hk.latest,
      },
      commands: { sent: this.ground.commandsSent, executed: this.spacecraft.commandsAccepted },
      downlink: {
        ebN0Db: this.setup.downlinkSignal.ebN0Db,
        budget: this.setup.downlinkSignal.budget,
        symbolRate: this.scenario.downlink.symbolRate,
        codeRate: downlinkCodeRate(this.setup.format),
        channel: { ...this.downlinkChannel.stats },
        codeblocks: d.chain.frames,
        good: d.chain.ok,
        corrected: d.chain.corrected,
        uncorrectable: d.uncorrectable,
        rsSymbolsCorrected: d.chain.correctedSymbols,
        syncLosses: d.chain.syncLosses,
        framesAccepted: d.frames.accepted,
        badFrames: d.frames.badCrc + d.frames.badHeader,
        lostFramesByCount: vcs.reduce((n, v) => n + v.lostFrames, 0),
        packetsDropped: vcs.reduce((n, v) => n + v.packetsDropped, 0),
        bursts: this.spacecraft.downlink.stats.bursts,
      },
      uplink: {
        ebN0Db: this.setup.uplinkSignal.ebN0Db,
        budget: this.setup.uplinkSignal.budget,
        symbolRate: this.scenario.uplink.symbolRate,
        channel: { ...this.uplinkChannel.stats },
        cop1: this.scenario.uplink.cop1 ?? true,
        cltus: up.cltus,
        cltusReceived: u.cltus,
        bchCorrected: u.correctedCodeblocks,
        rejectedCltus: u.rejectedCltus,
        badFrames: u.badFrames,
        framesAccepted: u.acceptedFrames,
        framesDiscarded: u.discardedFrames,
        adFrames: up.adFrames,
        retransmissions: up.retransmissions,
        bcFrames: up.bcFrames,
        bdFrames: up.bdFrames,
        alerts: up.alerts,
      },
      cfdp: { ground: { ...this.ground.cfdpPdus }, spacecraft: { ...this.spacecraft.cfdpPdus } },
    };
  }
}

function statusOf(t: Tracked): 'waiting' | 'open' | 'completed' | 'failed' {
  if (t.id === undefined) return 'waiting';
  if (t.receiverDone)
    return t.receiverCondition === ConditionCode.NO_ERROR ? 'completed' : 'failed';
  if (t.senderDone && t.senderCondition !== ConditionCode.NO_ERROR) return 'failed';
  return 'open';
}

async function sameContent(a: FileStore, b: FileStore, path: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([a.stat(path), b.stat(path)]);
  if (sa === undefined || sb === undefined || sa.size !== sb.size) return false;
  const ha = await a.openRead(path);
  const hb = await b.openRead(path);
  try {
    const CHUNK = 65536;
    for (let off = 0; off < sa.size; off += CHUNK) {
      const n = Math.min(CHUNK, sa.size - off);
      const [x, y] = await Promise.all([ha.read(off, n), hb.read(off, n)]);
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    }
    return true;
  } finally {
    await ha.close();
    await hb.close();
  }
}
