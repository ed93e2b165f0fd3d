/** Shared helpers of the link tests: vector field mapping and packet stream builders. */
import { SeededRandom } from 'ccsds/core';
import { encodeEncapsulationPacket } from 'ccsds/epp';
import type { Clcw } from 'ccsds/link';
import { encodeSpacePacket } from 'ccsds/spp';

/** A CLCW in the vectors' snake_case form. */
export function clcwFields(c: Clcw): Record<string, unknown> {
  return {
    control_word_type: c.controlWordType,
    clcw_version: c.clcwVersionNumber,
    status_field: c.statusField,
    cop_in_effect: c.copInEffect,
    virtual_channel_id: c.virtualChannelId,
    reserved_spare: c.reservedSpare,
    no_rf_available: c.noRfAvailable,
    no_bit_lock: c.noBitLock,
    lockout: c.lockout,
    wait: c.wait,
    retransmit: c.retransmit,
    farm_b_counter: c.farmBCounter,
    spare_bit: c.spare,
    report_value: c.reportValue,
  };
}

/** Copies only the keys of `expected` from `actual`, so a subset can be compared. */
export function pick(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(expected)) out[k] = actual[k];
  return out;
}

/** A random Space Packet (APIDs 1..2000) or Encapsulation Packet, `min`..`max` data octets. */
export function randomPacket(rng: SeededRandom, min = 1, max = 400): Uint8Array {
  const n = min + rng.nextInt(max - min + 1);
  if (rng.chance(0.5)) {
    return encodeSpacePacket({
      apid: 1 + rng.nextInt(2000),
      packetSequenceCount: rng.nextInt(16384),
      userData: rng.bytes(n),
    });
  }
  return encodeEncapsulationPacket({ protocolId: 2 + rng.nextInt(2), data: rng.bytes(n) });
}

/**
 * The gaps a receiver should report for frames lost in order: the length of each run of lost
 * entries that has a received entry before and after it (`lost[i]` for the channel's i-th frame).
 */
export function lossRuns(lost: readonly boolean[]): number[] {
  const out: number[] = [];
  const first = lost.indexOf(false);
  for (let k = first + 1; first >= 0 && k < lost.length; k++) {
    if (lost[k] && !lost[k - 1]) {
      let n = 0;
      while (k + n < lost.length && lost[k + n]) n++;
      if (k + n < lost.length) out.push(n);
    }
  }
  return out;
}

/** Expected `vc-gap` events as sorted `vc:missing` strings for the frames sent (VC of each) and lost. */
export function expectedVcGaps(
  vcOf: readonly number[],
  lost: ReadonlySet<number>,
  vcs: readonly number[],
): string[] {
  return vcs
    .flatMap((vc) =>
      lossRuns(vcOf.flatMap((v, i) => (v === vc ? [lost.has(i)] : []))).map((n) => `${vc}:${n}`),
    )
    .sort();
}

/** Asserts that `got` (hex) appear in `sent` (hex) in the same order. */
export function assertInOrderSubset(got: readonly string[], sent: readonly string[]): void {
  let j = 0;
  for (const g of got) {
    while (j < sent.length && sent[j] !== g) j++;
    if (j === sent.length) throw new Error(`${g.slice(0, 16)}... was not sent (in this order)`);
    j++;
  }
}
