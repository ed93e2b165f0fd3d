/**
 * FARM-1, the receiving side of COP-1: CCSDS 232.1-B-2 section 6 (Frame Acceptance and
 * Reporting Mechanism), with its state table (Table 6-1), and the CLCW it reports
 * (232.0-B-4 section 4.2).
 *
 * States: S1 Open, S2 Wait, S3 Lockout. Variables: V(R), the Lockout, Wait and Retransmit
 * flags, the FARM-B counter, and the sliding window W (even, 2..254) split into a positive and
 * a negative window of W/2 each. Type-AD frames are accepted only in sequence (N(S) = V(R)) and
 * while buffer space is available; Type-BD frames are always accepted; Type-BC frames carry
 * Unlock and Set V(R).
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import { type Clcw, encodeClcw } from '../clcw.js';
import { ControlCommandType } from './control.js';
import { Emitter, type Listener } from './emitter.js';
import { type TcTransferFrame, TcFrameType, decodeTcFrame } from './frame.js';
import type { SegmentHeader } from './segment.js';

/** FARM-1 states (232.1-B-2 section 6.2). */
export const FarmState = {
  /** S1: frames are accepted in sequence. */
  OPEN: 'S1',
  /** S2: no buffer space; the Wait flag is set. */
  WAIT: 'S2',
  /** S3: a frame outside both windows arrived; only Unlock gets out. */
  LOCKOUT: 'S3',
} as const;
/** One of {@link FarmState}. */
export type FarmState = (typeof FarmState)[keyof typeof FarmState];

/** FARM-1 events of Table 6-1. */
export const FarmEventId = {
  /** AD frame, N(S) = V(R), buffer available. */
  E1: 'E1',
  /** AD frame, N(S) = V(R), no buffer available. */
  E2: 'E2',
  /** AD frame in the positive window, N(S) > V(R). */
  E3: 'E3',
  /** AD frame in the negative window, N(S) < V(R). */
  E4: 'E4',
  /** AD frame in the lockout area. */
  E5: 'E5',
  /** Valid BD frame. */
  E6: 'E6',
  /** BC frame with Unlock. */
  E7: 'E7',
  /** BC frame with Set V(R). */
  E8: 'E8',
  /** Invalid frame. */
  E9: 'E9',
  /** Buffer release signal. */
  E10: 'E10',
} as const;
/** One of {@link FarmEventId}. */
export type FarmEventId = (typeof FarmEventId)[keyof typeof FarmEventId];

/** Managed parameters of a {@link Farm1}. */
export interface Farm1Options {
  /** The virtual channel this FARM serves; frames of other VCs are invalid here. */
  virtualChannelId: number;
  /** When given, frames of another spacecraft are invalid. */
  spacecraftId?: number;
  /** FARM_Sliding_Window_Width W, even, 2..254 (default 10). */
  slidingWindowWidth?: number;
  /** AD frames the buffer holds until {@link Farm1.bufferRelease} (default: unlimited). */
  bufferCapacity?: number;
  /** Initial V(R) (default 0). */
  initialVR?: number;
  /** The VC carries a FECF (default true). */
  fecfPresent?: boolean;
  /** The VC uses segment headers in AD/BD frames (default false). */
  segmentHeaderPresent?: boolean;
}

/** An accepted frame's data, passed to the higher procedures. */
export interface FarmDeliverEvent {
  /** AD or BD (BC frames are consumed by the FARM). */
  frameType: typeof TcFrameType.AD | typeof TcFrameType.BD;
  /** The frame's sequence number (meaningful for AD). */
  frameSequenceNumber: number;
  /** Segment header, when the VC uses them. */
  segmentHeader: SegmentHeader | undefined;
  /** The frame data field after the segment header. */
  dataField: Uint8Array;
}

/** A frame the FARM discarded. */
export interface FarmDiscardEvent {
  /** The event that classified it. */
  event: FarmEventId;
  /** Why. */
  reason: string;
}

/** A processed event and the state change it caused (possibly none). */
export interface FarmTransitionEvent {
  /** The Table 6-1 event. */
  event: FarmEventId;
  /** State before. */
  from: FarmState;
  /** State after. */
  to: FarmState;
}

/** Events of {@link Farm1}. */
export interface Farm1Events {
  /** An AD or BD frame was accepted. */
  deliver: FarmDeliverEvent;
  /** A frame was discarded. */
  discard: FarmDiscardEvent;
  /** Every processed event. */
  transition: FarmTransitionEvent;
}

/** What {@link Farm1.receiveFrame} did with a frame. */
export interface FarmResult {
  /** The Table 6-1 event. */
  event: FarmEventId;
  /** True when the frame was accepted. */
  accepted: boolean;
  /** State after the event. */
  state: FarmState;
}

/** The FARM-1 state machine of one virtual channel; see the module comment. */
export class Farm1 {
  /** Virtual channel served. */
  readonly virtualChannelId: number;
  /** FARM_Sliding_Window_Width W. */
  readonly slidingWindowWidth: number;
  /** FARM_Positive_Window_Width PW = W/2. */
  readonly positiveWindowWidth: number;
  /** FARM_Negative_Window_Width NW = W/2. */
  readonly negativeWindowWidth: number;
  /** CLCW Status Field reported (mission specific, default 0). */
  statusField = 0;
  /** No RF Available flag reported in the CLCW (set by the physical layer). */
  noRfAvailable = false;
  /** No Bit Lock flag reported in the CLCW (set by the physical layer). */
  noBitLock = false;

  private readonly events = new Emitter<Farm1Events>();
  private readonly spacecraftId: number | undefined;
  private readonly capacity: number;
  private readonly fecfPresent: boolean;
  private readonly segmentHeaderPresent: boolean;
  private current: FarmState = FarmState.OPEN;
  private vRValue: number;
  private lockout = false;
  private wait = false;
  private retransmit = false;
  private farmB = 0;
  private occupied = 0;

  /** @param options - managed parameters */
  constructor(options: Farm1Options) {
    checkInteger(options.virtualChannelId, 0, 63, 'virtualChannelId');
    this.virtualChannelId = options.virtualChannelId;
    if (options.spacecraftId !== undefined)
      checkInteger(options.spacecraftId, 0, 1023, 'spacecraftId');
    this.spacecraftId = options.spacecraftId;
    const w = options.slidingWindowWidth ?? 10;
    checkInteger(w, 2, 254, 'slidingWindowWidth');
    if (w % 2 !== 0) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `slidingWindowWidth must be even, got ${w}`,
      );
    }
    this.slidingWindowWidth = w;
    this.positiveWindowWidth = w / 2;
    this.negativeWindowWidth = w / 2;
    const cap = options.bufferCapacity ?? Infinity;
    if (cap !== Infinity) checkInteger(cap, 1, Number.MAX_SAFE_INTEGER, 'bufferCapacity');
    this.capacity = cap;
    this.vRValue = options.initialVR ?? 0;
    checkInteger(this.vRValue, 0, 255, 'initialVR');
    this.fecfPresent = options.fecfPresent ?? true;
    this.segmentHeaderPresent = options.segmentHeaderPresent ?? false;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Farm1Events>(name: K, listener: Listener<Farm1Events[K]>): () => void {
    return this.events.on(name, listener);
  }

  /** Removes a listener. */
  off<K extends keyof Farm1Events>(name: K, listener: Listener<Farm1Events[K]>): void {
    this.events.off(name, listener);
  }

  /** Current state. */
  get state(): FarmState {
    return this.current;
  }
  /** Receiver_Frame_Sequence_Number V(R): the N(S) expected next. */
  get vR(): number {
    return this.vRValue;
  }
  /** Lockout_Flag. */
  get lockoutFlag(): boolean {
    return this.lockout;
  }
  /** Wait_Flag. */
  get waitFlag(): boolean {
    return this.wait;
  }
  /** Retransmit_Flag. */
  get retransmitFlag(): boolean {
    return this.retransmit;
  }
  /** FARM-B_Counter, modulo 4 (the two bits the CLCW carries). */
  get farmBCounter(): number {
    return this.farmB;
  }
  /** AD frames delivered and not yet released. */
  get bufferOccupied(): number {
    return this.occupied;
  }

  /** The CLCW reporting this FARM's current state (COP-1 in effect). */
  clcw(): Clcw {
    return {
      controlWordType: 0,
      clcwVersionNumber: 0,
      statusField: this.statusField,
      copInEffect: 1,
      virtualChannelId: this.virtualChannelId,
      reservedSpare: 0,
      noRfAvailable: this.noRfAvailable,
      noBitLock: this.noBitLock,
      lockout: this.lockout,
      wait: this.wait,
      retransmit: this.retransmit,
      farmBCounter: this.farmB,
      spare: 0,
      reportValue: this.vRValue,
    };
  }

  /** The current CLCW as the 4 octets of an Operational Control Field. */
  encodeClcw(): Uint8Array {
    return encodeClcw(this.clcw());
  }

  /**
   * Frame validation and acceptance for one received frame: a frame that does not decode (bad
   * FECF, bad length, unknown control command, ...) or belongs to another VC or spacecraft is
   * event E9 (invalid frame). Never throws for any input.
   */
  receiveFrame(bytes: Uint8Array): FarmResult {
    let frame: TcTransferFrame;
    try {
      frame = decodeTcFrame(bytes, {
        fecfPresent: this.fecfPresent,
        segmentHeaderPresent: this.segmentHeaderPresent,
      });
    } catch (e) {
      if (!(e instanceof CcsdsError)) throw e;
      return this.invalid(`invalid frame: ${e.message}`);
    }
    return this.receive(frame);
  }

  /** Acceptance of an already decoded frame (validated here for VC and spacecraft). */
  receive(frame: TcTransferFrame): FarmResult {
    if (frame.virtualChannelId !== this.virtualChannelId) {
      return this.invalid(`frame of VC ${frame.virtualChannelId}`);
    }
    if (this.spacecraftId !== undefined && frame.spacecraftId !== this.spacecraftId) {
      return this.invalid(`frame of spacecraft ${frame.spacecraftId}`);
    }
    switch (frame.frameType) {
      case TcFrameType.BD:
        this.farmB = (this.farmB + 1) & 3;
        this.deliver(frame);
        return this.done(FarmEventId.E6, this.current, true);
      case TcFrameType.BC:
        return this.control(frame);
      default:
        return this.typeAd(frame);
    }
  }

  /**
   * Buffer release signal (E10): the higher procedures have taken `count` AD frames out of the
   * buffer. In Wait this clears the Wait flag and reopens the FARM.
   */
  bufferRelease(count = 1): FarmResult {
    checkInteger(count, 0, Number.MAX_SAFE_INTEGER, 'count');
    this.occupied = Math.max(0, this.occupied - count);
    const from = this.current;
    if (this.occupied < this.capacity) {
      if (from === FarmState.WAIT) {
        this.wait = false;
        this.current = FarmState.OPEN;
      } else if (from === FarmState.LOCKOUT) {
        this.wait = false;
      }
    }
    return this.done(FarmEventId.E10, from, false);
  }

  private typeAd(frame: TcTransferFrame): FarmResult {
    const from = this.current;
    const d = (frame.frameSequenceNumber - this.vRValue) & 0xff;
    if (d === 0) {
      const buffer = this.occupied < this.capacity && from !== FarmState.WAIT;
      if (from === FarmState.LOCKOUT) {
        return this.discard(buffer ? FarmEventId.E1 : FarmEventId.E2, from, 'lockout');
      }
      if (buffer) {
        this.retransmit = false;
        this.vRValue = (this.vRValue + 1) & 0xff;
        this.occupied++;
        this.deliver(frame);
        return this.done(FarmEventId.E1, from, true);
      }
      this.retransmit = true;
      this.wait = true;
      this.current = FarmState.WAIT;
      return this.discard(FarmEventId.E2, from, 'no buffer space');
    }
    if (d <= this.positiveWindowWidth - 1) {
      if (from === FarmState.OPEN) this.retransmit = true;
      return this.discard(
        FarmEventId.E3,
        from,
        `N(S) ${frame.frameSequenceNumber} ahead of V(R) ${this.vRValue}`,
      );
    }
    if (d >= 256 - this.negativeWindowWidth) {
      return this.discard(
        FarmEventId.E4,
        from,
        `N(S) ${frame.frameSequenceNumber} already accepted`,
      );
    }
    if (from !== FarmState.LOCKOUT) {
      this.lockout = true;
      this.current = FarmState.LOCKOUT;
    }
    return this.discard(
      FarmEventId.E5,
      from,
      `N(S) ${frame.frameSequenceNumber} outside the window`,
    );
  }

  private control(frame: TcTransferFrame): FarmResult {
    const from = this.current;
    const cmd = frame.controlCommand;
    this.farmB = (this.farmB + 1) & 3;
    if (cmd?.type === ControlCommandType.SET_VR) {
      if (from !== FarmState.LOCKOUT) {
        this.retransmit = false;
        this.wait = false;
        this.vRValue = cmd.vR;
        this.current = FarmState.OPEN;
      }
      return this.done(FarmEventId.E8, from, true);
    }
    this.retransmit = false;
    this.wait = false;
    this.lockout = false;
    this.current = FarmState.OPEN;
    return this.done(FarmEventId.E7, from, true);
  }

  private invalid(reason: string): FarmResult {
    return this.discard(FarmEventId.E9, this.current, reason);
  }

  private deliver(frame: TcTransferFrame): void {
    if (!this.events.has('deliver')) return;
    this.events.emit('deliver', {
      frameType: frame.frameType as typeof TcFrameType.AD | typeof TcFrameType.BD,
      frameSequenceNumber: frame.frameSequenceNumber,
      segmentHeader: frame.segmentHeader,
      dataField: frame.dataField,
    });
  }

  private discard(event: FarmEventId, from: FarmState, reason: string): FarmResult {
    this.events.emit('discard', { event, reason });
    return this.done(event, from, false);
  }

  private done(event: FarmEventId, from: FarmState, accepted: boolean): FarmResult {
    this.events.emit('transition', { event, from, to: this.current });
    return { event, accepted, state: this.current };
  }
}
