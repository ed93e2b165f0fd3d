/**
 * Attached Sync Markers of CCSDS 131.0-B-4 (Frame Synchronization section): the 32-bit ASM
 * 1ACFFC1D that precedes every Transfer Frame or codeblock of the uncoded, convolutional,
 * Reed-Solomon and concatenated channels. Markers are never randomised.
 */
import { CcsdsError, CcsdsErrorCode, concatBytes } from '../core/index.js';

/** The 32-bit Attached Sync Marker 1ACFFC1D (131.0, Frame Synchronization section). */
export const ASM: Uint8Array = new Uint8Array([0x1a, 0xcf, 0xfc, 0x1d]);

/** The bitwise complement of {@link ASM}: what a receiver sees with inverted polarity. */
export const ASM_INVERTED: Uint8Array = new Uint8Array([0xe5, 0x30, 0x03, 0xe2]);

/**
 * Returns `marker` followed by `frame` (a new array). With several frames, each gets its own
 * marker: `attachSyncMarker([f1, f2])` = ASM f1 ASM f2.
 */
export function attachSyncMarker(
  frame: Uint8Array | readonly Uint8Array[],
  marker: Uint8Array = ASM,
): Uint8Array {
  if (marker.length === 0) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'empty sync marker');
  }
  const frames = frame instanceof Uint8Array ? [frame] : frame;
  const parts: Uint8Array[] = [];
  for (const f of frames) parts.push(marker, f);
  return concatBytes(parts);
}
