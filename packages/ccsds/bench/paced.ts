/**
 * Pacing shared by the forwarding benchmarks: a sender keeps at most `window` messages sent but
 * not yet received, as one receiver of datagrams must be paced so as not to overrun its socket
 * buffer, whatever sends to it. Used alike for the agents and the bare pairs they are set
 * against, in one process (bp.ts) and in two (bp-peer.ts).
 */

/** Wakes a paced sender when something arrives. */
export interface Pacer {
  wake: (() => void) | undefined;
}

/** Wakes whoever waits on `pacer`. */
export function poke(pacer: Pacer): void {
  const w = pacer.wake;
  pacer.wake = undefined;
  w?.();
}

/** UDP: at most 32 messages and 128 KiB in flight (Linux caps socket buffers near 208 KiB). */
export const udpWindow = (size: number): number =>
  Math.max(1, Math.min(32, Math.floor((128 << 10) / size)));

/**
 * Sends `n` messages keeping at most `window` sent but not yet received (`received()` counts);
 * when nothing arrives for `stallMs` the messages in flight count as lost and sending goes on.
 * Returns how many were lost.
 */
export async function paced(
  n: number,
  window: number,
  send: () => unknown,
  received: () => number,
  pacer: Pacer,
  stallMs: number,
): Promise<number> {
  const base = received();
  let lost = 0;
  let seen = received();
  let stalled = false;
  const iv = setInterval(() => {
    if (received() === seen) {
      stalled = true;
      poke(pacer);
    }
    seen = received();
  }, stallMs);
  try {
    for (let i = 0; i < n; i++) {
      while (i - (received() - base) - lost >= window) {
        await new Promise<void>((r) => (pacer.wake = r));
        if (stalled) {
          stalled = false;
          lost = i - (received() - base);
        }
      }
      await send();
    }
    while (received() - base + lost < n) {
      await new Promise<void>((r) => (pacer.wake = r));
      if (stalled) break;
    }
    return n - (received() - base);
  } finally {
    clearInterval(iv);
  }
}
