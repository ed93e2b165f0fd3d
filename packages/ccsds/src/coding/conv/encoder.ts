/**
 * Streaming encoder for the CCSDS convolutional code (CCSDS 131.0-B-4 section 3): rate 1/2
 * (K = 7, G1 = 171, G2 = 133 octal, G2 inverted) and the punctured rates 2/3, 3/4, 5/6, 7/8.
 * The shift register, the puncturing phase and any symbols not yet filling an octet carry over
 * from one chunk to the next, so encoding a stream in pieces gives the same symbols as encoding
 * it at once.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import {
  CONV_G1_MASK,
  CONV_G2_MASK,
  CONV_TAIL_BITS,
  type ConvRate,
  defaultInvertG2,
  parity7,
  puncturePattern,
} from './code.js';

/** Options of {@link ConvolutionalEncoder} and {@link convEncode}. */
export interface ConvEncoderOptions {
  /** Code rate (default '1/2'). */
  rate?: ConvRate;
  /**
   * Invert the G2 symbols. Default: true for rate 1/2, false for the punctured rates, as CCSDS
   * 131.0 specifies. Setting it differently produces a non-standard stream.
   */
  invertG2?: boolean;
}

/** Symbols of an encoding: packed MSB first (first symbol = MSB of octet 0), and their count. */
export interface ConvSymbols {
  /** Symbols packed MSB first, the last octet zero-padded. */
  readonly symbols: Uint8Array;
  /** Exact number of symbols. */
  readonly symbolCount: number;
}

/**
 * Streaming convolutional encoder. {@link ConvolutionalEncoder.encode} returns the complete
 * output octets produced so far; {@link ConvolutionalEncoder.finish} optionally appends the
 * 6-bit zero tail and returns the last, zero-padded octet.
 */
export class ConvolutionalEncoder {
  /** The code rate. */
  readonly rate: ConvRate;
  /** Whether G2 symbols are inverted. */
  readonly invertG2: boolean;
  private readonly keep: Uint8Array;
  private sr = 0;
  private keepPos = 0;
  private acc = 0;
  private accBits = 0;
  private symbols = 0;
  private inputBits = 0;

  /** @param options - rate and inversion */
  constructor(options: ConvEncoderOptions = {}) {
    this.rate = options.rate ?? '1/2';
    const p = puncturePattern(this.rate);
    this.invertG2 = options.invertG2 ?? defaultInvertG2(this.rate);
    this.keep = Uint8Array.from(p.keep);
  }

  /** Total symbols produced so far (including those not yet returned in an octet). */
  get symbolCount(): number {
    return this.symbols;
  }

  /** Total input bits encoded so far (including tail bits). */
  get bitCount(): number {
    return this.inputBits;
  }

  /** The encoder state: the last 6 input bits, newest in bit 0. */
  get state(): number {
    return this.sr & 0x3f;
  }

  /**
   * Encodes `bitLength` bits of `data` (MSB first; default all of it) and returns the output
   * octets completed so far. Symbols that do not fill an octet are kept for the next call.
   */
  encode(data: Uint8Array, bitLength: number = data.length * 8): Uint8Array {
    checkInteger(bitLength, 0, data.length * 8, 'bitLength');
    const out = new Uint8Array(((this.accBits + 2 * bitLength) >> 3) + 1);
    let n = 0;
    let sr = this.sr;
    let acc = this.acc;
    let accBits = this.accBits;
    let keepPos = this.keepPos;
    const keep = this.keep;
    const inv = this.invertG2 ? 1 : 0;
    let symbols = 0;
    for (let i = 0; i < bitLength; i++) {
      const bit = (data[i >> 3]! >> (7 - (i & 7))) & 1;
      sr = ((sr << 1) | bit) & 0x7f;
      if (keep[keepPos] === 1) {
        acc = (acc << 1) | parity7(sr & CONV_G1_MASK);
        accBits++;
        symbols++;
      }
      if (keep[keepPos + 1] === 1) {
        acc = (acc << 1) | (parity7(sr & CONV_G2_MASK) ^ inv);
        accBits++;
        symbols++;
      }
      keepPos += 2;
      if (keepPos === keep.length) keepPos = 0;
      if (accBits >= 8) {
        accBits -= 8;
        out[n++] = (acc >> accBits) & 0xff;
        acc &= (1 << accBits) - 1;
      }
    }
    this.sr = sr;
    this.acc = acc;
    this.accBits = accBits;
    this.keepPos = keepPos;
    this.symbols += symbols;
    this.inputBits += bitLength;
    return out.slice(0, n);
  }

  /**
   * Ends the stream: with `tail` (default false) first encodes 6 zero bits, returning the encoder
   * to state 0; then returns the remaining symbols, the last octet zero-padded. The encoder is
   * reset afterwards and can start a new stream.
   */
  finish(options: { tail?: boolean } = {}): Uint8Array {
    const parts =
      options.tail === true ? this.encode(new Uint8Array(1), CONV_TAIL_BITS) : undefined;
    const last = this.accBits > 0 ? [(this.acc << (8 - this.accBits)) & 0xff] : [];
    const out = new Uint8Array((parts?.length ?? 0) + last.length);
    if (parts !== undefined) out.set(parts);
    if (last.length > 0) out[out.length - 1] = last[0]!;
    this.reset();
    return out;
  }

  /** Returns the encoder to state 0 at the start of a puncturing period, dropping pending output. */
  reset(): void {
    this.sr = 0;
    this.keepPos = 0;
    this.acc = 0;
    this.accBits = 0;
    this.symbols = 0;
    this.inputBits = 0;
  }
}

/**
 * Encodes one block from the all-zero state. `bits` is the number of input bits (default all of
 * `data`); `tail` appends 6 zero bits (a terminated block).
 */
export function convEncode(
  data: Uint8Array,
  options: ConvEncoderOptions & { bits?: number; tail?: boolean } = {},
): ConvSymbols {
  const enc = new ConvolutionalEncoder(options);
  const bits = options.bits ?? data.length * 8;
  if (!Number.isInteger(bits) || bits < 0 || bits > data.length * 8) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `bits must be an integer from 0 to ${data.length * 8}, got ${bits}`,
    );
  }
  const a = enc.encode(data, bits);
  const tail = options.tail === true;
  const count = enc.symbolCount + (tail ? countTail(enc) : 0);
  const b = enc.finish({ tail });
  const symbols = new Uint8Array(a.length + b.length);
  symbols.set(a);
  symbols.set(b, a.length);
  return { symbols, symbolCount: count };
}

function countTail(enc: ConvolutionalEncoder): number {
  const p = puncturePattern(enc.rate);
  let pos = (enc.bitCount % p.periodBits) * 2;
  let n = 0;
  for (let i = 0; i < CONV_TAIL_BITS; i++) {
    n += p.keep[pos]! + p.keep[pos + 1]!;
    pos = (pos + 2) % p.keep.length;
  }
  return n;
}

/**
 * Unpacks `count` symbols packed MSB first into soft symbols in libfec's convention: a 1 bit
 * becomes 255, a 0 bit becomes 0 (what a noiseless channel delivers).
 */
export function hardToSoft(packed: Uint8Array, count: number = packed.length * 8): Uint8Array {
  checkInteger(count, 0, packed.length * 8, 'count');
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((packed[i >> 3]! >> (7 - (i & 7))) & 1) * 255;
  return out;
}
