/**
 * The concatenated TM coding chain of CCSDS 131.0-B-4 (TM Synchronization and Channel Coding):
 * the Reed-Solomon outer code (Reed-Solomon Coding section: E = 16 or 8, interleaving, virtual
 * fill), the Pseudo-Randomizer section, the Attached Sync Marker (Frame Synchronization
 * section) and the convolutional inner code (section 3, Convolutional Coding: rate 1/2 or
 * punctured 2/3 .. 7/8), every stage optional except the marker.
 *
 * Sending end ({@link TmChainEncoder}), in the order 131.0 prescribes: Transfer Frame (fixed
 * length) -> RS encoding (frame length = I x (255 - 2E) - Q, Q the virtual fill, a multiple of
 * I) -> pseudo-randomisation of the whole codeblock, parity included (after RS encoding, before
 * convolutional encoding) -> ASM attached (never randomised) -> convolutional encoding of the
 * continuous stream of markers and codeblocks (the marker is encoded too) -> packed channel bits
 * or 8-bit soft symbols.
 *
 * Receiving end ({@link TmChainDecoder}), streaming with bounded memory: channel symbols (soft
 * 8-bit in libfec's convention, or hard bits) -> symbol alignment and puncturing phase found
 * with {@link findViterbiAlignment} at the start and again after the frame synchroniser has
 * seen no marker for a while -> streaming Viterbi decoding -> frame synchronisation on the
 * decoded bits (search / check / lock / flywheel; a complemented marker resolves the 180 degree
 * phase ambiguity and the codeblock is inverted back) -> derandomisation -> RS decoding (per
 * codeword: corrections, or -1 when uncorrectable) -> the frame, flagged `ok: false` when any
 * codeword failed. Without the convolutional code the input is the bit stream itself (packed
 * bits, or soft symbols decided at 128).
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';
import { ASM } from './asm.js';
import { FrameSynchronizer, type SyncFrame, SyncState } from './frame-sync.js';
import { randomizeTmInPlace } from './randomizer.js';
import { ReedSolomon, RS_INTERLEAVING_DEPTHS, RsBasis } from './reed-solomon.js';
import { type ConvRate, convSymbolCount, puncturePattern } from './conv/code.js';
import { ConvolutionalEncoder } from './conv/encoder.js';
import {
  DEFAULT_TRACEBACK_DEPTH,
  findViterbiAlignment,
  VITERBI_OUTPUT_WINDOW,
  ViterbiDecoder,
  type ViterbiEngineChoice,
} from './conv/viterbi.js';

/** Marker length in bits (the 32-bit ASM 1ACFFC1D). */
const MARKER_BITS = 32;

/** Largest Transfer Frame accepted without Reed-Solomon coding, in octets. */
export const TM_CHAIN_MAX_FRAME_LENGTH = 65536;

/** Default number of channel symbols examined to find the symbol alignment. */
export const TM_CHAIN_ALIGN_SYMBOLS = 2048;

/** Symbols decoded per internal step: bounds the working memory of one push. */
const SLICE_SYMBOLS = 16384;

/** Reed-Solomon parameters of a chain. */
export interface TmChainRsOptions {
  /** Correctable symbols per codeword: 16 for RS(255,223) (default) or 8 for RS(255,239). */
  E?: 8 | 16;
  /** Interleaving depth I: 1 (default), 2, 3, 4, 5 or 8. */
  interleave?: number;
  /** Symbol basis: dual (CCSDS, default) or conventional (not CCSDS). */
  basis?: RsBasis;
}

/** The coding configuration shared by {@link TmChainEncoder} and {@link TmChainDecoder}. */
export interface TmChainOptions {
  /** Transfer Frame length in octets (fixed on a Physical Channel). */
  frameLength: number;
  /**
   * Reed-Solomon outer code; absent (or undefined) for none. The virtual fill follows from the
   * frame length: Q = I x (255 - 2E) - frameLength, which must be a multiple of I.
   */
  rs?: TmChainRsOptions | undefined;
  /** Apply the TM pseudo-randomiser to each codeblock (default true). */
  randomize?: boolean;
  /** Convolutional inner code: a {@link ConvRate}, or 'none' (default). */
  conv?: ConvRate | 'none';
}

/** The derived layout of a chain configuration (see {@link tmChainLayout}). */
export interface TmChainLayout {
  /** Transfer Frame length in octets. */
  readonly frameLength: number;
  /** Transmitted codeblock length in octets (the frame plus the RS parity, if any). */
  readonly codeblockLength: number;
  /** Octets per codeblock period on the wire before convolutional coding: ASM + codeblock. */
  readonly caduLength: number;
  /** RS parameters with the derived per-codeword virtual fill, or undefined without RS. */
  readonly rs:
    | {
        readonly E: 8 | 16;
        readonly interleave: number;
        readonly basis: RsBasis;
        readonly virtualFill: number;
      }
    | undefined;
  /** Total virtual fill Q of the codeblock in octets (I x the per-codeword fill); 0 without RS. */
  readonly virtualFill: number;
  /** Whether the pseudo-randomiser is applied. */
  readonly randomize: boolean;
  /** The convolutional code rate, or 'none'. */
  readonly conv: ConvRate | 'none';
}

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Checks a chain configuration and derives its layout. Throws `INVALID_ARGUMENT` for a frame
 * length that no RS codeblock of the given E and I can carry, an unknown rate, depth or basis.
 */
export function tmChainLayout(options: TmChainOptions): TmChainLayout {
  const frameLength = options.frameLength;
  const conv = options.conv ?? 'none';
  if (conv !== 'none') puncturePattern(conv);
  const randomize = options.randomize ?? true;
  if (typeof randomize !== 'boolean') throw invalid('randomize must be a boolean');
  const rsOpt = options.rs;
  if (rsOpt === undefined) {
    checkInteger(frameLength, 1, TM_CHAIN_MAX_FRAME_LENGTH, 'frameLength');
    return {
      frameLength,
      codeblockLength: frameLength,
      caduLength: frameLength + MARKER_BITS / 8,
      rs: undefined,
      virtualFill: 0,
      randomize,
      conv,
    };
  }
  const E = rsOpt.E ?? 16;
  if (E !== 8 && E !== 16) throw invalid(`RS E must be 8 or 16, got ${String(E)}`);
  const I = rsOpt.interleave ?? 1;
  if (!RS_INTERLEAVING_DEPTHS.includes(I)) {
    throw invalid(
      `interleaving depth must be one of ${RS_INTERLEAVING_DEPTHS.join(', ')}, got ${String(I)}`,
    );
  }
  const basis = rsOpt.basis ?? RsBasis.DUAL;
  if (basis !== RsBasis.DUAL && basis !== RsBasis.CONVENTIONAL) {
    throw invalid(`unknown RS basis ${String(basis)}`);
  }
  const k = 255 - 2 * E;
  checkInteger(frameLength, 1, I * k, 'frameLength');
  if (frameLength % I !== 0) {
    throw invalid(
      `frame length ${frameLength} is not a multiple of the interleaving depth ${I} ` +
        `(RS(255,${k}) x ${I} carries ${I * k} octets less a virtual fill that is a multiple of ${I})`,
    );
  }
  const q = k - frameLength / I;
  return {
    frameLength,
    codeblockLength: frameLength + I * 2 * E,
    caduLength: frameLength + I * 2 * E + MARKER_BITS / 8,
    rs: { E, interleave: I, basis, virtualFill: q },
    virtualFill: q * I,
    randomize,
    conv,
  };
}

function rsCodec(layout: TmChainLayout): ReedSolomon | undefined {
  const rs = layout.rs;
  if (rs === undefined) return undefined;
  return new ReedSolomon({
    E: rs.E,
    interleave: rs.interleave,
    basis: rs.basis,
    virtualFill: rs.virtualFill,
  });
}

/** Form of the channel stream: packed bits (MSB first) or one 8-bit soft symbol per bit. */
export type TmChainOutput = 'bits' | 'soft8';

/** Options of {@link TmChainEncoder}. */
export interface TmChainEncoderOptions extends TmChainOptions {
  /** 'bits' (default): channel bits packed MSB first; 'soft8': one octet per bit, 0 or 255. */
  output?: TmChainOutput;
  /**
   * With the convolutional code: {@link TmChainEncoder.finish} appends the 6 zero tail bits
   * that return the encoder to state 0, protecting the last codeblock fully (default true).
   */
  tail?: boolean;
}

function unpackSymbols(packed: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((packed[i >> 3]! >> (7 - (i & 7))) & 1) * 255;
  return out;
}

/**
 * Streaming encoder of the TM chain: each {@link TmChainEncoder.encode} call takes one Transfer
 * Frame and returns the channel output completed so far; {@link TmChainEncoder.finish} ends the
 * stream (tail bits, last padded octet) and makes the encoder ready for a new stream.
 */
export class TmChainEncoder {
  /** The configuration's layout. */
  readonly layout: TmChainLayout;
  /** The output form. */
  readonly output: TmChainOutput;
  private readonly rs: ReedSolomon | undefined;
  private readonly conv: ConvolutionalEncoder | undefined;
  private readonly tail: boolean;
  private symbolsOut = 0;

  /** Throws `INVALID_ARGUMENT` for an invalid configuration. */
  constructor(options: TmChainEncoderOptions) {
    this.layout = tmChainLayout(options);
    const output = options.output ?? 'bits';
    if (output !== 'bits' && output !== 'soft8') throw invalid(`unknown output ${String(output)}`);
    this.output = output;
    this.rs = rsCodec(this.layout);
    this.conv =
      this.layout.conv === 'none'
        ? undefined
        : new ConvolutionalEncoder({ rate: this.layout.conv });
    this.tail = options.tail ?? true;
  }

  /**
   * The unencoded channel frame of one Transfer Frame: ASM followed by the (RS encoded,
   * randomised) codeblock. Throws `INVALID_ARGUMENT` unless the frame has `frameLength` octets.
   */
  codeblock(frame: Uint8Array): Uint8Array {
    const L = this.layout;
    if (frame.length !== L.frameLength) {
      throw invalid(`frame must be ${L.frameLength} octets, got ${frame.length}`);
    }
    const m = MARKER_BITS / 8;
    const cadu = new Uint8Array(L.caduLength);
    cadu.set(ASM);
    cadu.set(frame, m);
    this.rs?.encodeParity(cadu, m);
    if (L.randomize) randomizeTmInPlace(cadu, m, L.codeblockLength);
    return cadu;
  }

  /** Encodes one Transfer Frame; returns the channel bits (or soft symbols) completed so far. */
  encode(frame: Uint8Array): Uint8Array {
    const cadu = this.codeblock(frame);
    if (this.conv === undefined) {
      return this.output === 'soft8' ? unpackSymbols(cadu, cadu.length * 8) : cadu;
    }
    const packed = this.conv.encode(cadu);
    this.symbolsOut += packed.length * 8;
    return this.output === 'soft8' ? unpackSymbols(packed, packed.length * 8) : packed;
  }

  /**
   * Ends the stream: with the convolutional code, encodes the tail (unless `tail: false`) and
   * returns the remaining symbols (packed: the last octet zero-padded; soft: exactly the
   * remaining symbols). Without it, returns an empty array. Ready for a new stream afterwards.
   */
  finish(): Uint8Array {
    const conv = this.conv;
    if (conv === undefined) return new Uint8Array(0);
    const parts: Uint8Array[] = [];
    if (this.tail) parts.push(conv.encode(new Uint8Array(1), 6));
    const total = conv.symbolCount;
    parts.push(conv.finish());
    const packed = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      packed.set(p, o);
      o += p.length;
    }
    const remaining = total - this.symbolsOut;
    this.symbolsOut = 0;
    return this.output === 'soft8' ? unpackSymbols(packed, remaining) : packed;
  }
}

/**
 * Encodes a sequence of Transfer Frames into one channel stream (encode every frame, then
 * finish). Throws `INVALID_ARGUMENT` for a frame of the wrong length or a bad configuration.
 */
export function encodeTmChain(
  frames: Iterable<Uint8Array>,
  options: TmChainEncoderOptions,
): Uint8Array {
  const enc = new TmChainEncoder(options);
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const f of frames) {
    const p = enc.encode(f);
    parts.push(p);
    n += p.length;
  }
  const last = enc.finish();
  parts.push(last);
  n += last.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Form of the decoder's input: 'soft8' (one 8-bit soft symbol per channel bit, libfec
 * convention: 0 = confident 0, 255 = confident 1), 'bits' (hard channel bits packed MSB first;
 * with the convolutional code these are hard-decision code symbols) or 'bytes' (the decided,
 * already convolutionally decoded bit stream packed MSB first: no convolutional code).
 */
export type TmChainInput = 'soft8' | 'bits' | 'bytes';

/** Options of {@link TmChainDecoder}. */
export interface TmChainDecoderOptions extends TmChainOptions {
  /** Input form (default 'soft8' with the convolutional code, 'bits' without). */
  input?: TmChainInput;
  /** Marker bit errors accepted while searching (default 0). */
  searchErrors?: number;
  /** Marker bit errors accepted at an expected position (default 2). */
  lockErrors?: number;
  /** Confirmations before lock (default 1). */
  checkThreshold?: number;
  /** Missed markers coasted over before searching again (default 2). */
  flywheelThreshold?: number;
  /**
   * Convolutional code: channel symbols examined to find the symbol alignment, 64 to 65536
   * (default {@link TM_CHAIN_ALIGN_SYMBOLS}).
   */
  alignSymbols?: number;
  /**
   * Convolutional code: codeblock periods of decoded bits without a marker after which the
   * alignment is searched again on fresh symbols, 1 to 64 (default 4).
   */
  realignPeriods?: number;
  /** Viterbi traceback depth (default the decoder's). */
  tracebackDepth?: number;
  /** Viterbi engine (default 'auto'). */
  engine?: ViterbiEngineChoice;
}

/** One codeblock found and decoded by {@link TmChainDecoder}. */
export interface TmChainFrame {
  /**
   * Input position of the codeblock's marker: in channel bits for 'bits' and 'bytes' input, in
   * symbols for 'soft8' (with the convolutional code: the first symbol of the marker's first
   * trellis step).
   */
  offset: number;
  /** Bit errors in the received marker. */
  markerErrors: number;
  /** True when the marker was received complemented (the codeblock was inverted back). */
  inverted: boolean;
  /** Synchroniser state in which the marker was judged ('flywheel': marker missed). */
  state: SyncState;
  /**
   * Per RS codeword (index j mod I): symbols corrected, or -1 when uncorrectable. Empty
   * without RS.
   */
  corrections: number[];
  /**
   * With RS: every codeword was clean or corrected. Without RS: the marker was seen at this
   * codeblock (a flywheel codeblock is not vouched for; check the frame's FECF).
   */
  ok: boolean;
  /** The Transfer Frame (derandomised and corrected; as received where uncorrectable). */
  data: Uint8Array;
}

/** Counters of a {@link TmChainDecoder}. */
export interface TmChainStats {
  /** Input consumed, in channel bits (symbols for soft input). */
  inputBits: number;
  /** Codeblocks delivered. */
  frames: number;
  /** Codeblocks delivered with `ok`. */
  ok: number;
  /** Codeblocks delivered without `ok`. */
  failed: number;
  /** Good codeblocks that needed at least one RS correction. */
  corrected: number;
  /** RS symbols corrected in total. */
  correctedSymbols: number;
  /** Codeblocks delivered in flywheel (marker missed). */
  flywheelFrames: number;
  /** Times the frame synchroniser fell back to search after having found a marker. */
  syncLosses: number;
  /** Convolutional code: times the symbol alignment was searched (the first time included). */
  alignments: number;
}

interface Segment {
  readonly viterbi: ViterbiDecoder;
  readonly sync: FrameSynchronizer;
  /** Input symbol index of the segment's first trellis step. */
  readonly startSymbol: number;
  /** Decoded bits handed to `sync`. */
  decodedBits: number;
  /** Segment-relative decoded bit just after the last codeblock whose marker was seen. */
  lastMarkerEnd: number;
}

/**
 * Streaming decoder of the TM chain (see the module comment). {@link TmChainDecoder.push} takes
 * chunks of any size and returns the codeblocks they complete; {@link TmChainDecoder.finish}
 * flushes the Viterbi decoder at the end of the stream. Memory is bounded by the synchroniser
 * (flywheel depth x codeblock period), the Viterbi window and, with the convolutional code, a
 * history of the newest symbols (the re-alignment distance plus the alignment window), whatever
 * the stream length. Throws only `CcsdsError`.
 *
 * Re-alignment: when `realignPeriods` codeblock periods of decoded bits pass without a marker,
 * the alignment is searched on the newest symbols and the symbols kept since the end of the last
 * codeblock whose marker was seen are decoded again with it, so that the codeblocks after a
 * symbol slip are recovered. Records of that stretch may then follow flywheel records with later
 * offsets.
 */
export class TmChainDecoder {
  /** The configuration's layout. */
  readonly layout: TmChainLayout;
  /** The input form. */
  readonly input: TmChainInput;
  private readonly rs: ReedSolomon | undefined;
  private readonly rate: ConvRate | undefined;
  private readonly syncOptions: {
    frameLength: number;
    searchErrors?: number;
    lockErrors?: number;
    checkThreshold?: number;
    flywheelThreshold?: number;
  };
  private readonly alignSymbols: number;
  private readonly realignBits: number;
  private readonly tracebackDepth: number | undefined;
  private readonly engine: ViterbiEngineChoice | undefined;

  private plainSync: FrameSynchronizer | undefined;
  private segment: Segment | undefined;
  /** The newest input symbols (convolutional code), a ring indexed by symbol number mod size. */
  private readonly hist: Uint8Array;
  private readonly maxReplay: number;
  private readonly realignGap: number;
  /** First input symbol the next alignment may start a segment at. */
  private searchFrom = 0;
  /** `consumed` at the last alignment. */
  private alignedAt = 0;
  private consumed = 0;
  private ended = false;
  private lostBefore = 0;
  private counters = {
    frames: 0,
    ok: 0,
    failed: 0,
    corrected: 0,
    correctedSymbols: 0,
    flywheelFrames: 0,
    alignments: 0,
  };

  /** Throws `INVALID_ARGUMENT` for an invalid configuration. */
  constructor(options: TmChainDecoderOptions) {
    this.layout = tmChainLayout(options);
    const conv = this.layout.conv;
    const input = options.input ?? (conv === 'none' ? 'bits' : 'soft8');
    if (input !== 'soft8' && input !== 'bits' && input !== 'bytes') {
      throw invalid(`unknown input ${String(input)}`);
    }
    if (input === 'bytes' && conv !== 'none') {
      throw invalid("'bytes' input is the decoded bit stream: it takes no convolutional code");
    }
    this.input = input;
    this.rs = rsCodec(this.layout);
    this.rate = conv === 'none' ? undefined : conv;
    this.syncOptions = {
      frameLength: this.layout.codeblockLength,
      ...(options.searchErrors === undefined ? {} : { searchErrors: options.searchErrors }),
      ...(options.lockErrors === undefined ? {} : { lockErrors: options.lockErrors }),
      ...(options.checkThreshold === undefined ? {} : { checkThreshold: options.checkThreshold }),
      ...(options.flywheelThreshold === undefined
        ? {}
        : { flywheelThreshold: options.flywheelThreshold }),
    };
    // Check the synchroniser options now (with the convolutional code the synchroniser is
    // created at the first alignment).
    if (conv !== 'none') new FrameSynchronizer(this.syncOptions);
    this.alignSymbols = options.alignSymbols ?? TM_CHAIN_ALIGN_SYMBOLS;
    checkInteger(this.alignSymbols, 64, 65536, 'alignSymbols');
    const periods = options.realignPeriods ?? 4;
    checkInteger(periods, 1, 64, 'realignPeriods');
    this.realignBits = periods * this.layout.caduLength * 8;
    this.tracebackDepth = options.tracebackDepth;
    this.engine = options.engine;
    if (this.tracebackDepth !== undefined) {
      checkInteger(this.tracebackDepth, 12, 65536, 'tracebackDepth');
    }
    const e = this.engine;
    if (e !== undefined && e !== 'auto' && e !== 'ts' && e !== 'wasm') {
      throw invalid(`unknown engine ${String(e)}`);
    }
    // A re-alignment re-decodes at most `maxReplay` symbols: the realignment distance, the
    // Viterbi window and one slice, at 2 symbols per bit; the history also holds the alignment
    // window. Re-alignments are at least max(alignSymbols, maxReplay / 2) fresh symbols apart,
    // so noise costs a bounded multiple of the decoding work.
    const window = (this.tracebackDepth ?? DEFAULT_TRACEBACK_DEPTH) + VITERBI_OUTPUT_WINDOW;
    this.maxReplay = 2 * (this.realignBits + window + SLICE_SYMBOLS);
    this.realignGap = Math.max(this.alignSymbols, this.maxReplay / 2);
    this.hist = new Uint8Array(
      this.rate === undefined ? 0 : this.maxReplay + 2 * this.alignSymbols,
    );
    this.reset();
  }

  /** Counters since construction or {@link TmChainDecoder.reset}. */
  get stats(): TmChainStats {
    const c = this.counters;
    const current = this.plainSync ?? this.segment?.sync;
    return {
      inputBits: this.consumed,
      frames: c.frames,
      ok: c.ok,
      failed: c.failed,
      corrected: c.corrected,
      correctedSymbols: c.correctedSymbols,
      flywheelFrames: c.flywheelFrames,
      syncLosses: this.lostBefore + (current?.stats.lossesOfLock ?? 0),
      alignments: c.alignments,
    };
  }

  /** Starts a new stream: forgets all state and zeroes the counters. */
  reset(): void {
    this.plainSync =
      this.rate === undefined
        ? new FrameSynchronizer({ ...this.syncOptions, soft: this.input === 'soft8' })
        : undefined;
    this.segment = undefined;
    this.searchFrom = 0;
    this.alignedAt = 0;
    this.consumed = 0;
    this.ended = false;
    this.lostBefore = 0;
    this.counters = {
      frames: 0,
      ok: 0,
      failed: 0,
      corrected: 0,
      correctedSymbols: 0,
      flywheelFrames: 0,
      alignments: 0,
    };
  }

  /**
   * Feeds the next chunk of input; returns the codeblocks it completes, in decoding order. Throws
   * `INVALID_STATE` after {@link TmChainDecoder.finish} until {@link TmChainDecoder.reset}.
   */
  push(chunk: Uint8Array): TmChainFrame[] {
    if (this.ended) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'stream already finished; call reset()');
    }
    const out: TmChainFrame[] = [];
    if (this.plainSync !== undefined) {
      this.consumed += this.input === 'soft8' ? chunk.length : chunk.length * 8;
      for (const f of this.plainSync.push(chunk)) out.push(this.deliver(f, f.markerBitOffset));
      return out;
    }
    if (this.input === 'soft8') {
      for (let o = 0; o < chunk.length; o += SLICE_SYMBOLS) {
        this.pushSymbols(chunk.subarray(o, Math.min(chunk.length, o + SLICE_SYMBOLS)), out);
      }
    } else {
      const step = SLICE_SYMBOLS / 8;
      for (let o = 0; o < chunk.length; o += step) {
        const part = chunk.subarray(o, Math.min(chunk.length, o + step));
        this.pushSymbols(unpackSymbols(part, part.length * 8), out);
      }
    }
    return out;
  }

  /**
   * Ends the stream: aligns on what is left if the alignment was still pending (at least 64
   * symbols), flushes the Viterbi decoder and returns the last codeblocks. {@link
   * TmChainDecoder.stats} stay readable; call {@link TmChainDecoder.reset} for a new stream.
   */
  finish(): TmChainFrame[] {
    if (this.ended) return [];
    const out: TmChainFrame[] = [];
    if (this.rate !== undefined) {
      if (this.segment === undefined && this.consumed - this.searchFrom >= 64) this.align(out);
      this.endSegment(out);
    }
    this.ended = true;
    return out;
  }

  private newViterbi(): ViterbiDecoder {
    return new ViterbiDecoder({
      rate: this.rate!,
      startState: 'unknown',
      ...(this.tracebackDepth === undefined ? {} : { tracebackDepth: this.tracebackDepth }),
      ...(this.engine === undefined ? {} : { engine: this.engine }),
    });
  }

  private pushSymbols(soft: Uint8Array, out: TmChainFrame[]): void {
    // Keep the newest symbols for a later re-alignment, then decode.
    const hist = this.hist;
    const H = hist.length;
    let at = this.consumed % H;
    for (let i = 0; i < soft.length; ) {
      const n = Math.min(soft.length - i, H - at);
      hist.set(soft.subarray(i, i + n), at);
      i += n;
      at = (at + n) % H;
    }
    this.consumed += soft.length;
    const seg = this.segment;
    if (seg !== undefined) this.feed(seg, soft, out);
    else if (this.consumed - this.searchFrom >= this.alignSymbols) this.align(out);
  }

  /** Copies input symbols [from, to) out of the history ring. */
  private history(from: number, to: number): Uint8Array {
    const H = this.hist.length;
    const out = new Uint8Array(to - from);
    for (let i = 0; i < out.length; ) {
      const at = (from + i) % H;
      const n = Math.min(out.length - i, H - at);
      out.set(this.hist.subarray(at, at + n), i);
      i += n;
    }
    return out;
  }

  /**
   * Finds the symbol alignment on the newest symbols and starts a segment at the first symbol
   * from `searchFrom` on with that puncturing phase, re-decoding the symbols kept since then.
   */
  private align(out: TmChainFrame[]): void {
    const end = this.consumed;
    const from = Math.max(this.searchFrom, end - this.hist.length);
    const winStart = Math.max(from, end - this.alignSymbols);
    const a = findViterbiAlignment(this.history(winStart, end), {
      rate: this.rate!,
      maxSymbols: Math.max(64, end - winStart),
      ...(this.engine === undefined ? {} : { engine: this.engine }),
    });
    this.counters.alignments++;
    this.alignedAt = end;
    const spp = puncturePattern(this.rate!).symbolsPerPeriod;
    const phase = (winStart + a.offset) % spp;
    const start = from + ((phase - (from % spp) + spp) % spp);
    const seg: Segment = {
      viterbi: this.newViterbi(),
      sync: new FrameSynchronizer(this.syncOptions),
      startSymbol: start,
      decodedBits: 0,
      lastMarkerEnd: 0,
    };
    this.segment = seg;
    for (let o = start; o < end; o += SLICE_SYMBOLS) {
      this.feed(seg, this.history(o, Math.min(end, o + SLICE_SYMBOLS)), out);
    }
  }

  private feed(seg: Segment, soft: Uint8Array, out: TmChainFrame[]): void {
    this.syncDecoded(seg, seg.viterbi.push(soft), out);
    if (
      this.segment === seg &&
      seg.decodedBits - seg.lastMarkerEnd > this.realignBits &&
      this.consumed - this.alignedAt >= this.realignGap
    ) {
      // No marker for a while: the symbol alignment (or the signal) is lost. Align again on
      // the newest symbols and re-decode from the end of the last codeblock whose marker was
      // seen (a slip happened after it).
      this.searchFrom = Math.max(
        seg.startSymbol + convSymbolCount(seg.lastMarkerEnd, this.rate!),
        this.consumed - this.maxReplay,
      );
      this.lostBefore += seg.sync.stats.lossesOfLock;
      this.segment = undefined;
      this.align(out);
    }
  }

  private syncDecoded(seg: Segment, bytes: Uint8Array, out: TmChainFrame[]): void {
    if (bytes.length === 0) return;
    seg.decodedBits += bytes.length * 8;
    const rate = this.rate!;
    for (const f of seg.sync.push(bytes)) {
      if (f.state !== SyncState.FLYWHEEL) seg.lastMarkerEnd = f.bitOffset + seg.sync.frameBits;
      out.push(this.deliver(f, seg.startSymbol + convSymbolCount(f.markerBitOffset, rate)));
    }
  }

  private endSegment(out: TmChainFrame[]): void {
    const seg = this.segment;
    if (seg === undefined) return;
    const before = seg.viterbi.decodedBits;
    const rest = seg.viterbi.finish();
    // Only whole decoded octets: the last one may be zero padding.
    const whole = (seg.viterbi.decodedBits >> 3) - (before >> 3);
    this.syncDecoded(seg, rest.subarray(0, whole), out);
    this.lostBefore += seg.sync.stats.lossesOfLock;
    this.segment = undefined;
  }

  private deliver(f: SyncFrame, offset: number): TmChainFrame {
    const L = this.layout;
    const cb = f.data;
    if (L.randomize) randomizeTmInPlace(cb);
    let corrections: number[] = [];
    let ok: boolean;
    let data: Uint8Array;
    if (this.rs !== undefined) {
      const r = this.rs.decodeInPlace(cb);
      corrections = r.corrections;
      ok = r.ok;
      data = cb.slice(0, L.frameLength);
      if (ok && r.corrected > 0) {
        this.counters.corrected++;
        this.counters.correctedSymbols += r.corrected;
      }
    } else {
      ok = f.state !== SyncState.FLYWHEEL;
      data = cb;
    }
    const c = this.counters;
    c.frames++;
    if (ok) c.ok++;
    else c.failed++;
    if (f.state === SyncState.FLYWHEEL) c.flywheelFrames++;
    return {
      offset,
      markerErrors: f.markerErrors,
      inverted: f.inverted,
      state: f.state,
      corrections,
      ok,
      data,
    };
  }
}

/** Result of {@link decodeTmChain}. */
export interface TmChainDecodeResult {
  /** Every codeblock found, in stream order. */
  frames: TmChainFrame[];
  /** The decoder's counters at the end. */
  stats: TmChainStats;
}

/** Decodes a whole channel stream held in memory (push it, then finish). */
export function decodeTmChain(
  stream: Uint8Array,
  options: TmChainDecoderOptions,
): TmChainDecodeResult {
  const dec = new TmChainDecoder(options);
  const frames = dec.push(stream);
  for (const f of dec.finish()) frames.push(f);
  return { frames, stats: dec.stats };
}

/**
 * Decodes a channel stream arriving in chunks (a file or socket read loop), yielding the
 * codeblocks as they complete. Memory stays bounded whatever the stream length.
 */
export async function* decodeTmChainAsync(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: TmChainDecoderOptions,
): AsyncGenerator<TmChainFrame, TmChainStats> {
  const dec = new TmChainDecoder(options);
  for await (const c of chunks) yield* dec.push(c);
  yield* dec.finish();
  return dec.stats;
}
