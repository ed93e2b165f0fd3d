/**
 * FOP-1, the sending side of COP-1: CCSDS 232.1-B-2 section 5 (Frame Operation Procedure),
 * its variables (5.1), actions (5.2), events and the state table (Table 5-1).
 *
 * States: S1 Active, S2 Retransmit without Wait, S3 Retransmit with Wait, S4 Initialising
 * without BC Frame, S5 Initialising with BC Frame, S6 Initial. Timer T1 runs on the injected
 * {@link Clock}. Every input (a CLCW, a timer expiry, a request to transfer an FDU, a
 * directive, a lower-layer response) is classified into a Table 5-1 event at the moment it is
 * processed, and inputs are processed one at a time, in arrival order (run to completion):
 * an input raised while another is being handled, e.g. from inside a listener, waits its turn.
 *
 * Implementation choices where 232.1-B-2 leaves room: the 'Initialise' action also sets NN(R)
 * to V(S), since the Sent_Queue is empty afterwards (the standard's 'Set V(S)' does the same);
 * a Type-BD request is positively confirmed when the lower procedures accept the BD frame.
 */
import {
  type Clock,
  type TimerId,
  checkInteger,
  CcsdsError,
  CcsdsErrorCode,
} from '../../core/index.js';
import { type Clcw, decodeClcw } from '../clcw.js';
import { type ControlCommand, ControlCommandType } from './control.js';
import { Emitter, type Listener } from './emitter.js';
import {
  TC_MAX_FRAME_LENGTH,
  TC_PRIMARY_HEADER_LENGTH,
  TcFrameType,
  encodeTcFrame,
} from './frame.js';
import type { SegmentHeader } from './segment.js';

/** FOP-1 states (232.1-B-2 section 5.1.2). */
export const FopState = {
  /** S1: normal operation. */
  ACTIVE: 'S1',
  /** S2: retransmitting, the FARM is not waiting. */
  RETRANSMIT_WITHOUT_WAIT: 'S2',
  /** S3: retransmission pending while the FARM reports Wait. */
  RETRANSMIT_WITH_WAIT: 'S3',
  /** S4: waiting for a CLCW that confirms the FARM's state (Initiate AD with CLCW check). */
  INITIALISING_WITHOUT_BC_FRAME: 'S4',
  /** S5: a Type-BC frame (Unlock or Set V(R)) is outstanding. */
  INITIALISING_WITH_BC_FRAME: 'S5',
  /** S6: the AD service is not running (initial, after an alert, or suspended). */
  INITIAL: 'S6',
} as const;
/** One of {@link FopState}. */
export type FopState = (typeof FopState)[keyof typeof FopState];

/** Alert codes (232.1-B-2 section 5.2.15). */
export const FopAlertCode = {
  /** The transmission limit was reached (Transmission_Limit 1 and a retransmit request). */
  LIMIT: 'LIMIT',
  /** T1 expired with the transmission count at its limit. */
  T1: 'T1',
  /** The FARM reports Lockout. */
  LOCKOUT: 'LOCKOUT',
  /** A CLCW that contradicts the FOP's view (e.g. retransmit with everything acknowledged). */
  SYNCH: 'SYNCH',
  /** A CLCW whose N(R) is outside NN(R)..V(S). */
  NN_R: 'NN_R',
  /** An invalid flag combination in a CLCW (Wait without Retransmit). */
  CLCW: 'CLCW',
  /** Lower layer interface failure: the lower procedures rejected a frame. */
  LLIF: 'LLIF',
  /** The AD service was terminated by directive. */
  TERM: 'TERM',
} as const;
/** One of {@link FopAlertCode}. */
export type FopAlertCode = (typeof FopAlertCode)[keyof typeof FopAlertCode];

/** Directive types (232.1-B-2 section 5.3.2). */
export const FopDirectiveType = {
  /** Initiate AD Service (without CLCW check): straight to Active (E23). */
  INITIATE_AD_WITHOUT_CLCW_CHECK: 'INITIATE_AD_WITHOUT_CLCW_CHECK',
  /** Initiate AD Service (with CLCW check): Active once a CLCW shows N(R) = V(S) (E24). */
  INITIATE_AD_WITH_CLCW_CHECK: 'INITIATE_AD_WITH_CLCW_CHECK',
  /** Initiate AD Service (with Unlock): sends a BC Unlock frame (E25/E26). */
  INITIATE_AD_WITH_UNLOCK: 'INITIATE_AD_WITH_UNLOCK',
  /** Initiate AD Service (with Set V(R)): sets V(S) and sends a BC Set V(R) frame (E27/E28). */
  INITIATE_AD_WITH_SET_VR: 'INITIATE_AD_WITH_SET_VR',
  /** Terminate AD Service (E29). */
  TERMINATE_AD: 'TERMINATE_AD',
  /** Resume AD Service after a suspension (E30-E34). */
  RESUME_AD: 'RESUME_AD',
  /** Set V(S) to V*(S), in Initial only (E35). */
  SET_VS: 'SET_VS',
  /** Set FOP_Sliding_Window_Width K (E36). */
  SET_FOP_SLIDING_WINDOW_WIDTH: 'SET_FOP_SLIDING_WINDOW_WIDTH',
  /** Set T1_Initial (E37). */
  SET_T1_INITIAL: 'SET_T1_INITIAL',
  /** Set Transmission_Limit (E38). */
  SET_TRANSMISSION_LIMIT: 'SET_TRANSMISSION_LIMIT',
  /** Set Timeout_Type (E39). */
  SET_TIMEOUT_TYPE: 'SET_TIMEOUT_TYPE',
} as const;
/** One of {@link FopDirectiveType}. */
export type FopDirectiveType = (typeof FopDirectiveType)[keyof typeof FopDirectiveType];

/** A FOP-1 directive with its qualifier. */
export type FopDirective =
  | { type: typeof FopDirectiveType.INITIATE_AD_WITHOUT_CLCW_CHECK }
  | { type: typeof FopDirectiveType.INITIATE_AD_WITH_CLCW_CHECK }
  | { type: typeof FopDirectiveType.INITIATE_AD_WITH_UNLOCK }
  | { type: typeof FopDirectiveType.INITIATE_AD_WITH_SET_VR; vR: number }
  | { type: typeof FopDirectiveType.TERMINATE_AD }
  | { type: typeof FopDirectiveType.RESUME_AD }
  | { type: typeof FopDirectiveType.SET_VS; vS: number }
  | { type: typeof FopDirectiveType.SET_FOP_SLIDING_WINDOW_WIDTH; width: number }
  | { type: typeof FopDirectiveType.SET_T1_INITIAL; t1InitialMs: number }
  | { type: typeof FopDirectiveType.SET_TRANSMISSION_LIMIT; transmissionLimit: number }
  | { type: typeof FopDirectiveType.SET_TIMEOUT_TYPE; timeoutType: number };

/** Responses to requests and directives (232.1-B-2 section 5.2.11-5.2.13). */
export const FopResponse = {
  /** The request or directive was accepted for processing. */
  ACCEPT: 'accept',
  /** The request or directive was refused (wrong state, full queue, invalid qualifier). */
  REJECT: 'reject',
  /** Completed: the FDU was acknowledged by the FARM, or the directive took effect. */
  POSITIVE_CONFIRM: 'positive-confirm',
  /** Abandoned: purged by an alert or termination before completion. */
  NEGATIVE_CONFIRM: 'negative-confirm',
} as const;
/** One of {@link FopResponse}. */
export type FopResponse = (typeof FopResponse)[keyof typeof FopResponse];

/**
 * FOP-1 events of Table 5-1: E1-E14 and E101-E103 valid CLCWs (by Lockout, N(R) against V(S)
 * and NN(R), Retransmit, Wait, Transmission_Limit and Transmission_Count), E16/E104/E17/E18
 * timer expiry, E19/E20 AD requests, E21/E22 BD requests, E23-E40 directives, E41-E46 lower
 * procedure responses (AD, BC, BD accept / reject).
 */
export type FopEventId =
  | 'E1'
  | 'E2'
  | 'E3'
  | 'E4'
  | 'E5'
  | 'E6'
  | 'E7'
  | 'E101'
  | 'E102'
  | 'E8'
  | 'E9'
  | 'E10'
  | 'E11'
  | 'E12'
  | 'E103'
  | 'E13'
  | 'E14'
  | 'E16'
  | 'E104'
  | 'E17'
  | 'E18'
  | 'E19'
  | 'E20'
  | 'E21'
  | 'E22'
  | 'E23'
  | 'E24'
  | 'E25'
  | 'E26'
  | 'E27'
  | 'E28'
  | 'E29'
  | 'E30'
  | 'E31'
  | 'E32'
  | 'E33'
  | 'E34'
  | 'E35'
  | 'E36'
  | 'E37'
  | 'E38'
  | 'E39'
  | 'E40'
  | 'E41'
  | 'E42'
  | 'E43'
  | 'E44'
  | 'E45'
  | 'E46';

/** A frame handed to the lower procedures ('Transmit Request for Frame'). */
export interface FopTransmitEvent {
  /** The encoded frame. */
  frame: Uint8Array;
  /** AD, BD or BC. */
  frameType: TcFrameType;
  /** N(S) of an AD frame (0 for BD and BC). */
  frameSequenceNumber: number;
  /** True for a retransmitted copy of an AD or BC frame. */
  retransmission: boolean;
}

/** A response to a request to transfer an FDU. */
export interface FopFduResponseEvent {
  /** The id returned by {@link Fop1.transmitAd} or {@link Fop1.transmitBd}. */
  requestId: number;
  /** AD or BD service. */
  service: typeof TcFrameType.AD | typeof TcFrameType.BD;
  /** The response. */
  response: FopResponse;
  /** N(S) of the AD frame that carried it, once known. */
  frameSequenceNumber?: number;
}

/** A response to a directive. */
export interface FopDirectiveResponseEvent {
  /** The id returned by {@link Fop1.directive}. */
  requestId: number;
  /** The directive. */
  directive: FopDirective;
  /** The response. */
  response: FopResponse;
}

/** An alert to the higher procedures. */
export interface FopAlertEvent {
  /** Why. */
  alert: FopAlertCode;
  /** State in which it was raised. */
  state: FopState;
}

/** The AD service was suspended (Timeout_Type 1 and T1 expired at the limit). */
export interface FopSuspendEvent {
  /** Suspend_State SS: the state (1..4) a Resume directive returns to. */
  suspendState: number;
}

/** A processed event and the state change it caused (possibly none). */
export interface FopTransitionEvent {
  /** The Table 5-1 event. */
  event: FopEventId;
  /** State before. */
  from: FopState;
  /** State after. */
  to: FopState;
}

/** Events of {@link Fop1}. */
export interface Fop1Events {
  /** A frame for the lower procedures. */
  transmit: FopTransmitEvent;
  /** Accept / reject / confirm responses to FDU requests. */
  fdu: FopFduResponseEvent;
  /** Accept / reject / confirm responses to directives. */
  directive: FopDirectiveResponseEvent;
  /** Alerts. */
  alert: FopAlertEvent;
  /** Suspension of the AD service. */
  suspend: FopSuspendEvent;
  /** Every processed Table 5-1 event. */
  transition: FopTransitionEvent;
}

/** Managed parameters of a {@link Fop1}. */
export interface Fop1Options {
  /** Time source for timer T1. */
  clock: Clock;
  /** Spacecraft Identifier for the frames built. */
  spacecraftId: number;
  /** Virtual Channel Identifier for the frames built; CLCWs of other VCs are ignored. */
  virtualChannelId: number;
  /** Frames carry a FECF (default true). */
  fecfPresent?: boolean;
  /** T1_Initial in milliseconds (default 2000). */
  t1InitialMs?: number;
  /** Transmission_Limit, at least 1 (default 3). */
  transmissionLimit?: number;
  /** Timeout_Type: 0 alert, 1 suspend when T1 expires at the limit (default 0). */
  timeoutType?: number;
  /** FOP_Sliding_Window_Width K, 1..255 (default 10). */
  slidingWindowWidth?: number;
  /** Initial V(S) (default 0). */
  initialVS?: number;
  /**
   * How the lower procedures answer 'Transmit Request for Frame': `immediate` (default) accepts
   * every frame as soon as it is emitted; `manual` waits for {@link Fop1.lowerLayerResponse}.
   */
  lowerLayer?: 'immediate' | 'manual';
}

/** A snapshot of the FOP-1 variables. */
export interface FopStatus {
  /** Current state. */
  state: FopState;
  /** Transmitter_Frame_Sequence_Number V(S). */
  vS: number;
  /** Expected_Acknowledgement_Frame_Sequence_Number NN(R). */
  nnR: number;
  /** Transmission_Count. */
  transmissionCount: number;
  /** Transmission_Limit. */
  transmissionLimit: number;
  /** Timeout_Type. */
  timeoutType: number;
  /** T1_Initial in ms. */
  t1InitialMs: number;
  /** FOP_Sliding_Window_Width K. */
  slidingWindowWidth: number;
  /** Suspend_State SS. */
  suspendState: number;
  /** AD frames on the Sent_Queue. */
  sentQueueLength: number;
  /** A BC frame is on the Sent_Queue. */
  bcFrameOutstanding: boolean;
  /** An FDU waits on the Wait_Queue. */
  waitQueueFull: boolean;
  /** AD_Out_Flag: true when Ready. */
  adOutReady: boolean;
  /** BD_Out_Flag: true when Ready. */
  bdOutReady: boolean;
  /** BC_Out_Flag: true when Ready. */
  bcOutReady: boolean;
  /** Timer T1 is running. */
  timerRunning: boolean;
}

interface SentFrame {
  requestId: number;
  fsn: number;
  bytes: Uint8Array;
  toBeRetransmitted: boolean;
}

interface SentBc {
  bytes: Uint8Array;
  toBeRetransmitted: boolean;
}

interface Fdu {
  requestId: number;
  data: Uint8Array;
  segmentHeader: SegmentHeader | undefined;
}

type Input =
  | { kind: 'clcw'; clcw: Clcw }
  | { kind: 'timer' }
  | { kind: 'ad'; fdu: Fdu }
  | { kind: 'bd'; fdu: Fdu }
  | { kind: 'directive'; id: number; directive: FopDirective }
  | { kind: 'lower'; frameType: TcFrameType; accepted: boolean };

const S1 = FopState.ACTIVE;
const S2 = FopState.RETRANSMIT_WITHOUT_WAIT;
const S3 = FopState.RETRANSMIT_WITH_WAIT;
const S4 = FopState.INITIALISING_WITHOUT_BC_FRAME;
const S5 = FopState.INITIALISING_WITH_BC_FRAME;
const S6 = FopState.INITIAL;

/** The FOP-1 state machine of one virtual channel; see the module comment. */
export class Fop1 {
  /** Virtual channel served. */
  readonly virtualChannelId: number;
  /** Spacecraft of the frames built. */
  readonly spacecraftId: number;

  private readonly events = new Emitter<Fop1Events>();
  private readonly clock: Clock;
  private readonly fecfPresent: boolean;
  private readonly manualLower: boolean;
  private current: FopState = S6;
  private vSValue: number;
  private nnRValue: number;
  private t1: number;
  private limit: number;
  private tt: number;
  private k: number;
  private tc = 1;
  private ss = 0;
  private sent: SentFrame[] = [];
  private sentBc: SentBc | undefined;
  private waitQueue: Fdu | undefined;
  private adOut = true;
  private bdOut = true;
  private bcOut = true;
  private pendingBd: number | undefined;
  private pendingInitiate: { id: number; directive: FopDirective } | undefined;
  private timer: TimerId | undefined;
  private nextId = 1;
  private readonly inputs: Input[] = [];
  private busy = false;

  /** @param options - managed parameters and the clock */
  constructor(options: Fop1Options) {
    checkInteger(options.spacecraftId, 0, 1023, 'spacecraftId');
    checkInteger(options.virtualChannelId, 0, 63, 'virtualChannelId');
    this.clock = options.clock;
    this.spacecraftId = options.spacecraftId;
    this.virtualChannelId = options.virtualChannelId;
    this.fecfPresent = options.fecfPresent ?? true;
    this.manualLower = options.lowerLayer === 'manual';
    this.t1 = options.t1InitialMs ?? 2000;
    if (!validT1(this.t1)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `t1InitialMs must be positive`);
    }
    this.limit = options.transmissionLimit ?? 3;
    checkInteger(this.limit, 1, Number.MAX_SAFE_INTEGER, 'transmissionLimit');
    this.tt = options.timeoutType ?? 0;
    checkInteger(this.tt, 0, 1, 'timeoutType');
    this.k = options.slidingWindowWidth ?? 10;
    checkInteger(this.k, 1, 255, 'slidingWindowWidth');
    this.vSValue = options.initialVS ?? 0;
    checkInteger(this.vSValue, 0, 255, 'initialVS');
    this.nnRValue = this.vSValue;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Fop1Events>(name: K, listener: Listener<Fop1Events[K]>): () => void {
    return this.events.on(name, listener);
  }

  /** Removes a listener. */
  off<K extends keyof Fop1Events>(name: K, listener: Listener<Fop1Events[K]>): void {
    this.events.off(name, listener);
  }

  /** Current state. */
  get state(): FopState {
    return this.current;
  }

  /** Transmitter_Frame_Sequence_Number V(S). */
  get vS(): number {
    return this.vSValue;
  }

  /** Expected_Acknowledgement_Frame_Sequence_Number NN(R). */
  get nnR(): number {
    return this.nnRValue;
  }

  /** A snapshot of every FOP-1 variable. */
  status(): FopStatus {
    return {
      state: this.current,
      vS: this.vSValue,
      nnR: this.nnRValue,
      transmissionCount: this.tc,
      transmissionLimit: this.limit,
      timeoutType: this.tt,
      t1InitialMs: this.t1,
      slidingWindowWidth: this.k,
      suspendState: this.ss,
      sentQueueLength: this.sent.length,
      bcFrameOutstanding: this.sentBc !== undefined,
      waitQueueFull: this.waitQueue !== undefined,
      adOutReady: this.adOut,
      bdOutReady: this.bdOut,
      bcOutReady: this.bcOut,
      timerRunning: this.timer !== undefined,
    };
  }

  /**
   * 'Request to Transfer FDU' on the sequence-controlled (AD) service. `dataField` is the frame
   * data after the optional segment header. Answered by `fdu` events: accept or reject, then
   * positive confirm (acknowledged by the FARM) or negative confirm (purged by an alert).
   * @returns the request id carried by the responses
   */
  transmitAd(dataField: Uint8Array, segmentHeader?: SegmentHeader): number {
    this.checkFdu(dataField, segmentHeader);
    const requestId = this.nextId++;
    this.input({ kind: 'ad', fdu: { requestId, data: dataField, segmentHeader } });
    return requestId;
  }

  /**
   * 'Request to Transfer FDU' on the expedited (BD) service: sent at once in a Type-BD frame if
   * the lower procedures are ready, rejected otherwise.
   * @returns the request id carried by the responses
   */
  transmitBd(dataField: Uint8Array, segmentHeader?: SegmentHeader): number {
    this.checkFdu(dataField, segmentHeader);
    const requestId = this.nextId++;
    this.input({ kind: 'bd', fdu: { requestId, data: dataField, segmentHeader } });
    return requestId;
  }

  /**
   * A directive from the management (232.1-B-2 section 5.3.2). Answered by `directive` events:
   * accept or reject, then positive or negative confirm.
   * @returns the request id carried by the responses
   */
  directive(directive: FopDirective): number {
    const id = this.nextId++;
    this.input({ kind: 'directive', id, directive });
    return id;
  }

  /** Initiate AD Service without CLCW check. */
  initiateAdWithoutClcwCheck(): number {
    return this.directive({ type: FopDirectiveType.INITIATE_AD_WITHOUT_CLCW_CHECK });
  }
  /** Initiate AD Service with CLCW check. */
  initiateAdWithClcwCheck(): number {
    return this.directive({ type: FopDirectiveType.INITIATE_AD_WITH_CLCW_CHECK });
  }
  /** Initiate AD Service with Unlock. */
  initiateAdWithUnlock(): number {
    return this.directive({ type: FopDirectiveType.INITIATE_AD_WITH_UNLOCK });
  }
  /** Initiate AD Service with Set V(R) to `vR`. */
  initiateAdWithSetVr(vR: number): number {
    return this.directive({ type: FopDirectiveType.INITIATE_AD_WITH_SET_VR, vR });
  }
  /** Terminate AD Service. */
  terminateAdService(): number {
    return this.directive({ type: FopDirectiveType.TERMINATE_AD });
  }
  /** Resume AD Service. */
  resumeAdService(): number {
    return this.directive({ type: FopDirectiveType.RESUME_AD });
  }
  /** Set V(S) to `vS` (only in Initial, not suspended). */
  setVS(vS: number): number {
    return this.directive({ type: FopDirectiveType.SET_VS, vS });
  }
  /** Set FOP Sliding Window Width K (1..255). */
  setFopSlidingWindowWidth(width: number): number {
    return this.directive({ type: FopDirectiveType.SET_FOP_SLIDING_WINDOW_WIDTH, width });
  }
  /** Set T1 Initial (milliseconds). */
  setT1Initial(t1InitialMs: number): number {
    return this.directive({ type: FopDirectiveType.SET_T1_INITIAL, t1InitialMs });
  }
  /** Set Transmission Limit (at least 1). */
  setTransmissionLimit(transmissionLimit: number): number {
    return this.directive({ type: FopDirectiveType.SET_TRANSMISSION_LIMIT, transmissionLimit });
  }
  /** Set Timeout Type (0 or 1). */
  setTimeoutType(timeoutType: number): number {
    return this.directive({ type: FopDirectiveType.SET_TIMEOUT_TYPE, timeoutType });
  }

  /**
   * A CLCW arrived (decoded, or the 4 octets of an OCF). CLCWs that do not report COP-1 or
   * report another VC are ignored. Octets that are not a CLCW throw `CcsdsError`.
   */
  receiveClcw(clcw: Clcw | Uint8Array): void {
    const c = clcw instanceof Uint8Array ? decodeClcw(clcw) : clcw;
    if (
      c.controlWordType !== 0 ||
      c.copInEffect !== 1 ||
      c.virtualChannelId !== this.virtualChannelId
    ) {
      return;
    }
    this.input({ kind: 'clcw', clcw: c });
  }

  /**
   * With `lowerLayer: 'manual'`: the lower procedures' Accept (true) or Reject (false) Response
   * to the outstanding 'Transmit Request for Frame' of `frameType`.
   */
  lowerLayerResponse(frameType: TcFrameType, accepted: boolean): void {
    this.input({ kind: 'lower', frameType, accepted });
  }

  // ---------------------------------------------------------------- event processing

  private checkFdu(data: Uint8Array, seg: SegmentHeader | undefined): void {
    const n =
      TC_PRIMARY_HEADER_LENGTH +
      (seg === undefined ? 0 : 1) +
      data.length +
      (this.fecfPresent ? 2 : 0);
    if (n > TC_MAX_FRAME_LENGTH || (seg === undefined && data.length === 0)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `an FDU of ${data.length} octets does not make a frame of 6..${TC_MAX_FRAME_LENGTH} octets`,
      );
    }
    if (seg !== undefined) {
      checkInteger(seg.sequenceFlags, 0, 3, 'sequenceFlags');
      checkInteger(seg.mapId, 0, 63, 'mapId');
    }
  }

  private input(i: Input): void {
    this.inputs.push(i);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) {
        this.handle(next);
      }
    } finally {
      this.busy = false;
    }
  }

  private handle(i: Input): void {
    const from = this.current;
    let event: FopEventId;
    switch (i.kind) {
      case 'clcw':
        event = this.classifyClcw(i.clcw);
        this.onClcw(event, i.clcw);
        break;
      case 'timer':
        event =
          this.tc < this.limit ? (this.tt === 0 ? 'E16' : 'E104') : this.tt === 0 ? 'E17' : 'E18';
        this.onTimer(event);
        break;
      case 'ad':
        event = this.waitQueue === undefined ? 'E19' : 'E20';
        this.onAdRequest(event, i.fdu);
        break;
      case 'bd':
        event = this.bdOut ? 'E21' : 'E22';
        if (event === 'E21') {
          this.respondFdu(i.fdu.requestId, TcFrameType.BD, FopResponse.ACCEPT);
          this.pendingBd = i.fdu.requestId;
          this.transmitBdFrame(i.fdu);
        } else {
          this.respondFdu(i.fdu.requestId, TcFrameType.BD, FopResponse.REJECT);
        }
        break;
      case 'directive':
        event = this.classifyDirective(i.directive);
        this.onDirective(event, i.id, i.directive);
        break;
      case 'lower':
        event = this.onLower(i.frameType, i.accepted);
        break;
    }
    this.events.emit('transition', { event, from, to: this.current });
  }

  private classifyClcw(c: Clcw): FopEventId {
    if (c.lockout) return 'E14';
    const nR = c.reportValue;
    const outstanding = (this.vSValue - this.nnRValue) & 0xff;
    const ahead = (nR - this.nnRValue) & 0xff;
    if (nR === this.vSValue) {
      if (c.retransmit) return 'E4';
      if (c.wait) return 'E3';
      return nR === this.nnRValue ? 'E1' : 'E2';
    }
    if (ahead > outstanding) return 'E13';
    if (!c.retransmit) {
      if (c.wait) return 'E7';
      return nR === this.nnRValue ? 'E5' : 'E6';
    }
    if (this.limit === 1) return nR !== this.nnRValue ? 'E101' : 'E102';
    if (nR !== this.nnRValue) return c.wait ? 'E9' : 'E8';
    if (this.tc < this.limit) return c.wait ? 'E11' : 'E10';
    return c.wait ? 'E103' : 'E12';
  }

  private onClcw(e: FopEventId, c: Clcw): void {
    const s = this.current;
    if (s === S6) return;
    const nR = c.reportValue;
    switch (e) {
      case 'E1':
        if (s === S2 || s === S3) this.alert(FopAlertCode.SYNCH);
        else if (s === S4 || s === S5) {
          this.sentBc = undefined;
          this.cancelTimer();
          this.confirmInitiate();
          this.current = S1;
        }
        return;
      case 'E2':
      case 'E6':
        if (s === S1 || s === S2 || s === S3) {
          this.removeAcknowledgedFrames(nR);
          if (e === 'E2') this.cancelTimer();
          this.lookForFdu();
          this.current = S1;
        }
        return;
      case 'E3':
        this.alert(FopAlertCode.CLCW);
        return;
      case 'E4':
        if (s !== S5) this.alert(FopAlertCode.SYNCH);
        return;
      case 'E5':
        if (s === S2 || s === S3) this.alert(FopAlertCode.SYNCH);
        return;
      case 'E7':
        if (s === S1 || s === S2 || s === S3) this.alert(FopAlertCode.CLCW);
        return;
      case 'E101':
      case 'E102':
        if (s === S1 || s === S2 || s === S3) {
          if (e === 'E101') this.removeAcknowledgedFrames(nR);
          this.alert(FopAlertCode.LIMIT);
        }
        return;
      case 'E8':
        if (s === S1 || s === S2 || s === S3) {
          this.removeAcknowledgedFrames(nR);
          this.initiateAdRetransmission();
          this.lookForFdu();
          this.current = S2;
        }
        return;
      case 'E9':
        if (s === S1 || s === S2 || s === S3) {
          this.removeAcknowledgedFrames(nR);
          this.current = S3;
        }
        return;
      case 'E10':
        if (s === S1 || s === S3) {
          this.initiateAdRetransmission();
          this.lookForFdu();
          this.current = S2;
        }
        return;
      case 'E11':
      case 'E103':
        if (s === S1 || s === S2) this.current = S3;
        return;
      case 'E12':
        if (s === S1 || s === S3) this.current = S2;
        return;
      case 'E13':
        if (s !== S5) this.alert(FopAlertCode.NN_R);
        return;
      case 'E14':
        if (s !== S5) this.alert(FopAlertCode.LOCKOUT);
        return;
      default:
        return;
    }
  }

  private onTimer(e: FopEventId): void {
    const s = this.current;
    switch (s) {
      case S1:
      case S2:
        if (e === 'E16' || e === 'E104') {
          this.initiateAdRetransmission();
          this.lookForFdu();
        } else if (e === 'E17') this.alert(FopAlertCode.T1);
        else this.suspend(s === S1 ? 1 : 2);
        return;
      case S3:
        if (e === 'E17') this.alert(FopAlertCode.T1);
        else if (e === 'E18') this.suspend(3);
        return;
      case S4:
        if (e === 'E16' || e === 'E17') this.alert(FopAlertCode.T1);
        else this.suspend(4);
        return;
      case S5:
        if (e === 'E16' || e === 'E104') {
          this.initiateBcRetransmission();
          this.lookForDirective();
        } else this.alert(FopAlertCode.T1);
        return;
      default:
        return;
    }
  }

  private onAdRequest(e: FopEventId, fdu: Fdu): void {
    const s = this.current;
    if (e === 'E19' && (s === S1 || s === S2 || s === S3)) {
      this.waitQueue = fdu;
      if (s !== S3) this.lookForFdu();
      return;
    }
    this.respondFdu(fdu.requestId, TcFrameType.AD, FopResponse.REJECT);
  }

  private classifyDirective(d: FopDirective): FopEventId {
    switch (d.type) {
      case FopDirectiveType.INITIATE_AD_WITHOUT_CLCW_CHECK:
        return 'E23';
      case FopDirectiveType.INITIATE_AD_WITH_CLCW_CHECK:
        return 'E24';
      case FopDirectiveType.INITIATE_AD_WITH_UNLOCK:
        return this.bcOut ? 'E25' : 'E26';
      case FopDirectiveType.INITIATE_AD_WITH_SET_VR:
        if (!isInt(d.vR, 0, 255)) return 'E40';
        return this.bcOut ? 'E27' : 'E28';
      case FopDirectiveType.TERMINATE_AD:
        return 'E29';
      case FopDirectiveType.RESUME_AD:
        return (['E30', 'E31', 'E32', 'E33', 'E34'] as const)[this.ss] ?? 'E30';
      case FopDirectiveType.SET_VS:
        return isInt(d.vS, 0, 255) ? 'E35' : 'E40';
      case FopDirectiveType.SET_FOP_SLIDING_WINDOW_WIDTH:
        return isInt(d.width, 1, 255) ? 'E36' : 'E40';
      case FopDirectiveType.SET_T1_INITIAL:
        return validT1(d.t1InitialMs) ? 'E37' : 'E40';
      case FopDirectiveType.SET_TRANSMISSION_LIMIT:
        return isInt(d.transmissionLimit, 1, Number.MAX_SAFE_INTEGER) ? 'E38' : 'E40';
      case FopDirectiveType.SET_TIMEOUT_TYPE:
        return isInt(d.timeoutType, 0, 1) ? 'E39' : 'E40';
      default:
        return 'E40';
    }
  }

  private onDirective(e: FopEventId, id: number, d: FopDirective): void {
    const s = this.current;
    const accept = (): void => this.respondDirective(id, d, FopResponse.ACCEPT);
    const confirm = (): void => this.respondDirective(id, d, FopResponse.POSITIVE_CONFIRM);
    const reject = (): void => this.respondDirective(id, d, FopResponse.REJECT);
    switch (e) {
      case 'E23':
      case 'E24':
      case 'E25':
      case 'E27':
        if (s !== S6) return reject();
        accept();
        this.initialise();
        if (e === 'E23') {
          confirm();
          this.current = S1;
        } else if (e === 'E24') {
          this.pendingInitiate = { id, directive: d };
          this.restartTimer();
          this.current = S4;
        } else {
          this.pendingInitiate = { id, directive: d };
          let cmd: ControlCommand = { type: ControlCommandType.UNLOCK };
          if (d.type === FopDirectiveType.INITIATE_AD_WITH_SET_VR) {
            this.vSValue = d.vR;
            this.nnRValue = d.vR;
            cmd = { type: ControlCommandType.SET_VR, vR: d.vR };
          }
          this.transmitBcFrame(cmd);
          this.current = S5;
        }
        return;
      case 'E29':
        accept();
        if (s !== S6) this.alert(FopAlertCode.TERM);
        confirm();
        return;
      case 'E31':
      case 'E32':
      case 'E33':
      case 'E34':
        if (s !== S6) return reject();
        accept();
        this.restartTimer();
        this.ss = 0;
        confirm();
        this.current = e === 'E31' ? S1 : e === 'E32' ? S2 : e === 'E33' ? S3 : S4;
        return;
      case 'E35':
        if (s !== S6 || this.ss !== 0 || d.type !== FopDirectiveType.SET_VS) return reject();
        accept();
        this.vSValue = d.vS;
        this.nnRValue = d.vS;
        confirm();
        return;
      case 'E36':
      case 'E37':
      case 'E38':
      case 'E39':
        accept();
        if (d.type === FopDirectiveType.SET_FOP_SLIDING_WINDOW_WIDTH) this.k = d.width;
        else if (d.type === FopDirectiveType.SET_T1_INITIAL) this.t1 = d.t1InitialMs;
        else if (d.type === FopDirectiveType.SET_TRANSMISSION_LIMIT)
          this.limit = d.transmissionLimit;
        else if (d.type === FopDirectiveType.SET_TIMEOUT_TYPE) this.tt = d.timeoutType;
        confirm();
        return;
      default:
        reject();
        return;
    }
  }

  private onLower(frameType: TcFrameType, accepted: boolean): FopEventId {
    const s = this.current;
    if (frameType === TcFrameType.AD) {
      if (!accepted) {
        this.alert(FopAlertCode.LLIF);
        return 'E42';
      }
      this.adOut = true;
      if (s === S1 || s === S2) this.lookForFdu();
      return 'E41';
    }
    if (frameType === TcFrameType.BC) {
      if (!accepted) {
        this.alert(FopAlertCode.LLIF);
        return 'E44';
      }
      this.bcOut = true;
      if (s === S5) this.lookForDirective();
      return 'E43';
    }
    const id = this.pendingBd;
    this.pendingBd = undefined;
    if (!accepted) {
      if (id !== undefined) this.respondFdu(id, TcFrameType.BD, FopResponse.NEGATIVE_CONFIRM);
      this.alert(FopAlertCode.LLIF);
      return 'E46';
    }
    this.bdOut = true;
    if (id !== undefined) this.respondFdu(id, TcFrameType.BD, FopResponse.POSITIVE_CONFIRM);
    return 'E45';
  }

  // ---------------------------------------------------------------- actions (section 5.2)

  private purgeSentQueue(): void {
    const frames = this.sent;
    this.sent = [];
    for (const f of frames) {
      this.respondFdu(f.requestId, TcFrameType.AD, FopResponse.NEGATIVE_CONFIRM, f.fsn);
    }
    this.sentBc = undefined;
    const p = this.pendingInitiate;
    this.pendingInitiate = undefined;
    if (p !== undefined) this.respondDirective(p.id, p.directive, FopResponse.NEGATIVE_CONFIRM);
  }

  private purgeWaitQueue(): void {
    const w = this.waitQueue;
    this.waitQueue = undefined;
    if (w !== undefined) this.respondFdu(w.requestId, TcFrameType.AD, FopResponse.REJECT);
  }

  private transmitAdFrame(fdu: Fdu): void {
    const fsn = this.vSValue;
    const bytes = encodeTcFrame({
      spacecraftId: this.spacecraftId,
      virtualChannelId: this.virtualChannelId,
      frameSequenceNumber: fsn,
      dataField: fdu.data,
      fecfPresent: this.fecfPresent,
      ...(fdu.segmentHeader !== undefined ? { segmentHeader: fdu.segmentHeader } : {}),
    });
    this.vSValue = (fsn + 1) & 0xff;
    if (this.sent.length === 0) this.tc = 1;
    this.sent.push({ requestId: fdu.requestId, fsn, bytes, toBeRetransmitted: false });
    this.restartTimer();
    this.adOut = false;
    this.toLower(bytes, TcFrameType.AD, fsn, false);
  }

  private transmitBcFrame(cmd: ControlCommand): void {
    const bytes = encodeTcFrame({
      spacecraftId: this.spacecraftId,
      virtualChannelId: this.virtualChannelId,
      controlCommand: cmd,
      fecfPresent: this.fecfPresent,
    });
    this.sentBc = { bytes, toBeRetransmitted: false };
    this.tc = 1;
    this.restartTimer();
    this.bcOut = false;
    this.toLower(bytes, TcFrameType.BC, 0, false);
  }

  private transmitBdFrame(fdu: Fdu): void {
    const bytes = encodeTcFrame({
      spacecraftId: this.spacecraftId,
      virtualChannelId: this.virtualChannelId,
      bypassFlag: true,
      dataField: fdu.data,
      fecfPresent: this.fecfPresent,
      ...(fdu.segmentHeader !== undefined ? { segmentHeader: fdu.segmentHeader } : {}),
    });
    this.bdOut = false;
    this.toLower(bytes, TcFrameType.BD, 0, false);
  }

  private initiateAdRetransmission(): void {
    this.tc++;
    this.restartTimer();
    for (const f of this.sent) f.toBeRetransmitted = true;
  }

  private initiateBcRetransmission(): void {
    this.tc++;
    this.restartTimer();
    if (this.sentBc !== undefined) this.sentBc.toBeRetransmitted = true;
  }

  private removeAcknowledgedFrames(nR: number): void {
    let removed = 0;
    while (this.sent.length > 0 && this.sent[0]!.fsn !== nR) {
      const f = this.sent.shift()!;
      removed++;
      this.respondFdu(f.requestId, TcFrameType.AD, FopResponse.POSITIVE_CONFIRM, f.fsn);
    }
    this.nnRValue = nR;
    if (removed > 0) this.tc = 1;
  }

  private lookForDirective(): void {
    const bc = this.sentBc;
    if (!this.bcOut || bc === undefined || !bc.toBeRetransmitted) return;
    bc.toBeRetransmitted = false;
    this.bcOut = false;
    this.toLower(bc.bytes, TcFrameType.BC, 0, true);
  }

  private lookForFdu(): void {
    if (!this.adOut) return;
    for (const f of this.sent) {
      if (f.toBeRetransmitted) {
        f.toBeRetransmitted = false;
        this.adOut = false;
        this.toLower(f.bytes, TcFrameType.AD, f.fsn, true);
        return;
      }
    }
    const w = this.waitQueue;
    if (w !== undefined && ((this.vSValue - this.nnRValue) & 0xff) < this.k) {
      this.waitQueue = undefined;
      this.respondFdu(w.requestId, TcFrameType.AD, FopResponse.ACCEPT, this.vSValue);
      this.transmitAdFrame(w);
    }
  }

  private initialise(): void {
    this.purgeSentQueue();
    this.purgeWaitQueue();
    this.tc = 1;
    this.ss = 0;
    this.nnRValue = this.vSValue;
  }

  private alert(code: FopAlertCode): void {
    const state = this.current;
    this.cancelTimer();
    this.purgeSentQueue();
    this.purgeWaitQueue();
    this.current = S6;
    this.events.emit('alert', { alert: code, state });
  }

  private suspend(ss: number): void {
    this.ss = ss;
    this.current = S6;
    this.events.emit('suspend', { suspendState: ss });
  }

  private confirmInitiate(): void {
    const p = this.pendingInitiate;
    this.pendingInitiate = undefined;
    if (p !== undefined) this.respondDirective(p.id, p.directive, FopResponse.POSITIVE_CONFIRM);
  }

  private restartTimer(): void {
    this.cancelTimer();
    const id = this.clock.setTimer(this.t1, () => {
      if (this.timer !== id) return;
      this.timer = undefined;
      this.input({ kind: 'timer' });
    });
    this.timer = id;
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.cancelTimer(this.timer);
    this.timer = undefined;
  }

  private toLower(
    frame: Uint8Array,
    frameType: TcFrameType,
    fsn: number,
    retransmission: boolean,
  ): void {
    this.events.emit('transmit', { frame, frameType, frameSequenceNumber: fsn, retransmission });
    if (!this.manualLower) this.inputs.push({ kind: 'lower', frameType, accepted: true });
  }

  private respondFdu(
    requestId: number,
    service: typeof TcFrameType.AD | typeof TcFrameType.BD,
    response: FopResponse,
    frameSequenceNumber?: number,
  ): void {
    if (!this.events.has('fdu')) return;
    this.events.emit(
      'fdu',
      frameSequenceNumber === undefined
        ? { requestId, service, response }
        : { requestId, service, response, frameSequenceNumber },
    );
  }

  private respondDirective(
    requestId: number,
    directive: FopDirective,
    response: FopResponse,
  ): void {
    this.events.emit('directive', { requestId, directive, response });
  }
}

function isInt(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}

function validT1(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0;
}
