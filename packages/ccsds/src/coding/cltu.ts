/**
 * Communications Link Transmission Units of CCSDS 231.0-B-4 (CLTU section): start sequence EB90,
 * BCH(63,56) codeblocks carrying the (optionally randomised) TC Transfer Frame, the
 * last codeblock completed with fill octets 0x55, and the tail sequence C5C5C5C5C5C5C579.
 *
 * {@link CltuDecoder} is the receiving side for an octet stream: it searches for
 * the start sequence (octet aligned, any chunking, optionally tolerating one bit error), decodes
 * codeblocks in the Error-Correcting or Error-Detecting Mode, and ends a CLTU on the tail
 * sequence, on a rejected codeblock, or at a configured size limit.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import {
  BCH_CODEBLOCK_LENGTH,
  BCH_INFO_LENGTH,
  BchMode,
  bchDecodeInto,
  bchEncodeCodeblock,
} from './bch.js';
import { randomizeTcInPlace } from './randomizer.js';

/** The CLTU start sequence EB90 (231.0). */
export const CLTU_START_SEQUENCE: Uint8Array = new Uint8Array([0xeb, 0x90]);
/** The CLTU tail sequence C5C5C5C5C5C5C579 (231.0). */
export const CLTU_TAIL_SEQUENCE: Uint8Array = new Uint8Array([
  0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0x79,
]);
/** The fill octet 0x55 that completes the last codeblock (231.0). */
export const CLTU_FILL_OCTET = 0x55;

/** Options of {@link encodeCltu}. */
export interface CltuEncodeOptions {
  /** Apply the TC randomiser to the frame before encoding (fill octets are not randomised). */
  randomize?: boolean;
}

/** Encodes one TC Transfer Frame (at least one octet) into a CLTU. */
export function encodeCltu(frame: Uint8Array, options: CltuEncodeOptions = {}): Uint8Array {
  if (frame.length === 0) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'a CLTU carries at least one octet');
  }
  const blocks = Math.ceil(frame.length / BCH_INFO_LENGTH);
  const info = new Uint8Array(blocks * BCH_INFO_LENGTH).fill(CLTU_FILL_OCTET);
  info.set(frame);
  if (options.randomize === true) randomizeTcInPlace(info, 0, frame.length);
  const out = new Uint8Array(2 + blocks * BCH_CODEBLOCK_LENGTH + CLTU_TAIL_SEQUENCE.length);
  out.set(CLTU_START_SEQUENCE, 0);
  for (let b = 0; b < blocks; b++) {
    bchEncodeCodeblock(info, b * BCH_INFO_LENGTH, out, 2 + b * BCH_CODEBLOCK_LENGTH);
  }
  out.set(CLTU_TAIL_SEQUENCE, out.length - CLTU_TAIL_SEQUENCE.length);
  return out;
}

/** How a CLTU ended. */
export const CltuEnding = {
  /** The tail sequence was received. */
  TAIL: 'tail',
  /** A codeblock was rejected (uncorrectable, or erroneous in the Error-Detecting Mode). */
  UNCORRECTABLE: 'uncorrectable',
  /** A codeblock arrived after `maxCodeblocks` codeblocks without a tail. */
  LIMIT: 'limit',
  /** The stream ended inside the CLTU. */
  TRUNCATED: 'truncated',
} as const;
/** One of {@link CltuEnding}. */
export type CltuEnding = (typeof CltuEnding)[keyof typeof CltuEnding];

/** One CLTU found by {@link CltuDecoder}. */
export interface DecodedCltu {
  /**
   * The information octets of every accepted codeblock, fill octets included (the TC frame
   * header says how long the frame is), derandomised when the decoder was asked to.
   */
  data: Uint8Array;
  /** Stream offset (octets) of the start sequence. */
  offset: number;
  /** Accepted codeblocks. */
  codeblocks: number;
  /** Codeblocks in which one bit was corrected. */
  corrected: number;
  /** Bit errors tolerated in the start sequence (0 or 1). */
  startSequenceErrors: number;
  /** Why the CLTU ended. */
  ending: CltuEnding;
}

/** Options of {@link CltuDecoder}. */
export interface CltuDecoderOptions {
  /** Codeblock decoding mode (default Error-Correcting). */
  mode?: BchMode;
  /** Remove the TC randomisation from the decoded data (default false). */
  derandomize?: boolean;
  /** Bit errors accepted in the start sequence, 0 (default) or 1. */
  startSequenceErrors?: number;
  /** Most codeblocks per CLTU (default 147, enough for a 1024-octet TC frame); bounds memory. */
  maxCodeblocks?: number;
}

function popcount16(x: number): number {
  let c = 0;
  while (x !== 0) {
    x &= x - 1;
    c++;
  }
  return c;
}

/**
 * Streaming CLTU decoder: push octets in chunks of any size, get each CLTU as it ends. Memory is
 * bounded by `maxCodeblocks`. Never throws on stream contents.
 */
export class CltuDecoder {
  private readonly mode: BchMode;
  private readonly derandomize: boolean;
  private readonly startErrors: number;
  private readonly maxCodeblocks: number;
  private readonly data: Uint8Array;
  private readonly block = new Uint8Array(BCH_CODEBLOCK_LENGTH);
  private blockFill = 0;
  private inCltu = false;
  private window = -1; // last octet seen while searching, or -1
  private streamOffset = 0;
  private cltuOffset = 0;
  private cltuStartErrors = 0;
  private codeblocks = 0;
  private corrected = 0;

  /** Throws `INVALID_ARGUMENT` for options out of range. */
  constructor(options: CltuDecoderOptions = {}) {
    this.mode = options.mode ?? BchMode.CORRECTING;
    if (this.mode !== BchMode.CORRECTING && this.mode !== BchMode.DETECTING) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `unknown BCH mode ${String(this.mode)}`,
      );
    }
    this.derandomize = options.derandomize ?? false;
    this.startErrors = options.startSequenceErrors ?? 0;
    if (this.startErrors !== 0 && this.startErrors !== 1) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'startSequenceErrors must be 0 or 1');
    }
    this.maxCodeblocks = options.maxCodeblocks ?? 147;
    if (
      !Number.isInteger(this.maxCodeblocks) ||
      this.maxCodeblocks < 1 ||
      this.maxCodeblocks > 1 << 20
    ) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'maxCodeblocks must be 1..1048576');
    }
    this.data = new Uint8Array(this.maxCodeblocks * BCH_INFO_LENGTH);
  }

  /** Octets pushed so far. */
  get position(): number {
    return this.streamOffset;
  }

  /** Feeds the next chunk; returns the CLTUs that ended inside it, in order. */
  push(chunk: Uint8Array): DecodedCltu[] {
    const out: DecodedCltu[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (!this.inCltu) {
        // Search for EB90 (octet aligned).
        let w = this.window;
        for (; i < n; i++) {
          const b = chunk[i]!;
          if (w >= 0) {
            const v = (w << 8) | b;
            const e = v === 0xeb90 ? 0 : this.startErrors > 0 ? popcount16(v ^ 0xeb90) : 2;
            if (e <= this.startErrors) {
              this.inCltu = true;
              this.cltuOffset = this.streamOffset + i - 1;
              this.cltuStartErrors = e;
              this.codeblocks = 0;
              this.corrected = 0;
              this.blockFill = 0;
              w = -1;
              i++;
              break;
            }
          }
          w = b;
        }
        this.window = w;
        continue;
      }
      // Collect one codeblock.
      const take = Math.min(BCH_CODEBLOCK_LENGTH - this.blockFill, n - i);
      for (let k = 0; k < take; k++) this.block[this.blockFill + k] = chunk[i + k]!;
      this.blockFill += take;
      i += take;
      if (this.blockFill < BCH_CODEBLOCK_LENGTH) break;
      this.blockFill = 0;
      const ended = this.codeblock();
      if (ended !== undefined) out.push(ended);
    }
    this.streamOffset += n;
    return out;
  }

  /** Declares the end of the stream; returns a CLTU cut short by it, if any. */
  end(): DecodedCltu[] {
    this.window = -1;
    if (!this.inCltu) return [];
    return [this.finish(CltuEnding.TRUNCATED)];
  }

  private codeblock(): DecodedCltu | undefined {
    const blk = this.block;
    let tail = true;
    for (let k = 0; k < BCH_CODEBLOCK_LENGTH; k++) {
      if (blk[k] !== CLTU_TAIL_SEQUENCE[k]) {
        tail = false;
        break;
      }
    }
    if (tail) return this.finish(CltuEnding.TAIL);
    // A codeblock beyond the limit ends the CLTU (the tail may follow the last allowed one).
    if (this.codeblocks >= this.maxCodeblocks) return this.finish(CltuEnding.LIMIT);
    const r = bchDecodeInto(blk, 0, this.data, this.codeblocks * BCH_INFO_LENGTH, this.mode);
    if (r < 0) return this.finish(CltuEnding.UNCORRECTABLE);
    this.codeblocks++;
    this.corrected += r;
    return undefined;
  }

  private finish(ending: CltuEnding): DecodedCltu {
    this.inCltu = false;
    this.blockFill = 0;
    const data = this.data.slice(0, this.codeblocks * BCH_INFO_LENGTH);
    if (this.derandomize) randomizeTcInPlace(data);
    return {
      data,
      offset: this.cltuOffset,
      codeblocks: this.codeblocks,
      corrected: this.corrected,
      startSequenceErrors: this.cltuStartErrors,
      ending,
    };
  }
}

/** Decodes every CLTU in a complete octet string (see {@link CltuDecoder}). */
export function decodeCltus(stream: Uint8Array, options: CltuDecoderOptions = {}): DecodedCltu[] {
  const d = new CltuDecoder(options);
  return [...d.push(stream), ...d.end()];
}
