/**
 * Pseudo-randomisers of the synchronization and channel coding layer.
 *
 * - TM (CCSDS 131.0-B-4, Pseudo-Randomizer section): h(x) = x^8 + x^7 + x^5 + x^3 + 1,
 *   register set to all ones at the first bit after the Attached Sync Marker.
 * - TC (CCSDS 231.0-B-4, Pseudo-Randomizer section): h(x) = x^8 + x^6 + x^4 + x^3 + x^2 + x + 1,
 *   all-ones seed, applied to each Transfer Frame before BCH encoding.
 *
 * Both sequences have a period of 255 bits, so the octet sequence repeats every 255 octets.
 * Randomising is an exclusive OR with the sequence, so derandomising is the same operation.
 */

/**
 * Generates `count` octets of the sequence defined by the recurrence whose taps are the
 * exponents (below 8) of h(x): a[n+8] = XOR of a[n+t] for every term x^t, t < 8.
 */
function lfsrSequence(taps: readonly number[], count: number): Uint8Array {
  const bits = new Uint8Array(count * 8);
  for (let i = 0; i < 8 && i < bits.length; i++) bits[i] = 1;
  for (let n = 0; n + 8 < bits.length; n++) {
    let b = 0;
    for (const t of taps) b ^= bits[n + t]!;
    bits[n + 8] = b;
  }
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let k = 0; k < 8; k++) v = (v << 1) | bits[i * 8 + k]!;
    out[i] = v;
  }
  return out;
}

/** Period of both randomiser sequences in octets (255 bits = 255 octets of 8 bits, repeating). */
export const RANDOMIZER_PERIOD = 255;

const TM_SEQUENCE = lfsrSequence([7, 5, 3, 0], RANDOMIZER_PERIOD);
const TC_SEQUENCE = lfsrSequence([6, 4, 3, 2, 1, 0], RANDOMIZER_PERIOD);

/** Which randomiser: the TM pseudo-randomiser (131.0) or the TC randomiser (231.0). */
export const RandomizerKind = {
  /** CCSDS 131.0 pseudo-randomiser, h(x) = x^8 + x^7 + x^5 + x^3 + 1. */
  TM: 'tm',
  /** CCSDS 231.0 randomiser, h(x) = x^8 + x^6 + x^4 + x^3 + x^2 + x + 1. */
  TC: 'tc',
} as const;
/** One of {@link RandomizerKind}. */
export type RandomizerKind = (typeof RandomizerKind)[keyof typeof RandomizerKind];

/**
 * The first `length` octets of a randomiser sequence (default one period, 255 octets); octet i
 * is `sequence[i mod 255]`, first generated bit in the most significant bit.
 */
export function randomizerSequence(kind: RandomizerKind, length = RANDOMIZER_PERIOD): Uint8Array {
  const seq = kind === RandomizerKind.TC ? TC_SEQUENCE : TM_SEQUENCE;
  const out = new Uint8Array(Math.max(0, Math.floor(length)));
  for (let i = 0; i < out.length; i += RANDOMIZER_PERIOD) {
    out.set(seq.subarray(0, Math.min(RANDOMIZER_PERIOD, out.length - i)), i);
  }
  return out;
}

function xorSequence(
  seq: Uint8Array,
  data: Uint8Array,
  offset: number,
  length: number,
): Uint8Array {
  const end = Math.min(data.length, offset + Math.max(0, length));
  let j = 0;
  for (let i = Math.max(0, offset); i < end; i++) {
    data[i] = data[i]! ^ seq[j]!;
    if (++j === RANDOMIZER_PERIOD) j = 0;
  }
  return data;
}

/**
 * Applies the TM pseudo-randomiser in place to `data[offset, offset + length)` (default: the
 * whole array), the sequence starting afresh at `offset`. Returns `data`.
 */
export function randomizeTmInPlace(
  data: Uint8Array,
  offset = 0,
  length = data.length - offset,
): Uint8Array {
  return xorSequence(TM_SEQUENCE, data, offset, length);
}

/** Applies the TC randomiser in place (see {@link randomizeTmInPlace}). Returns `data`. */
export function randomizeTcInPlace(
  data: Uint8Array,
  offset = 0,
  length = data.length - offset,
): Uint8Array {
  return xorSequence(TC_SEQUENCE, data, offset, length);
}

/** Returns a TM-randomised copy of a Transfer Frame or codeblock (the ASM is not included). */
export function randomizeTm(frame: Uint8Array): Uint8Array {
  return randomizeTmInPlace(frame.slice());
}

/** Returns a TC-randomised copy of a TC Transfer Frame (before BCH encoding). */
export function randomizeTc(frame: Uint8Array): Uint8Array {
  return randomizeTcInPlace(frame.slice());
}

/** Removes the TM pseudo-randomisation (the same operation as {@link randomizeTm}). */
export const derandomizeTm: (frame: Uint8Array) => Uint8Array = randomizeTm;

/** Removes the TC randomisation (the same operation as {@link randomizeTc}). */
export const derandomizeTc: (frame: Uint8Array) => Uint8Array = randomizeTc;
