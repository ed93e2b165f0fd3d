/**
 * Virtual channel multiplexing onto a master channel (CCSDS 132.0-B-3 section 4.2.4 / 4.2.5,
 * 732.0-B-4 section 4.2.4, 732.1-B-2 section 4.2.6): the function that picks, frame by frame,
 * which virtual channel (or MAP) sends next. The standards leave the algorithm to the mission;
 * two common ones are provided: fixed priority and a polling vector.
 */
import { checkInteger } from '../core/index.js';
import { invalidArgument } from './common.js';

/** How a multiplexer chooses among channels that have a frame ready. */
export type MultiplexingScheme =
  | {
      /** The first ready channel in `order` (highest priority first) wins. */
      kind: 'priority';
      order: readonly number[];
    }
  | {
      /**
       * Channels take turns in the order of `vector` (an ID may appear several times to give
       * it a larger share); a turn whose channel has nothing ready passes to the next entry.
       */
      kind: 'polling';
      vector: readonly number[];
    };

/**
 * The multiplexer of a sender: `scheme`, or by default fixed priority in the order the channels
 * were configured.
 * @throws CcsdsError `INVALID_ARGUMENT` when the scheme names a channel that is not configured
 */
export function senderMultiplexer(
  scheme: MultiplexingScheme | undefined,
  configured: readonly number[],
): ChannelMultiplexer {
  const mux = new ChannelMultiplexer(scheme ?? { kind: 'priority', order: configured });
  const known = new Set(configured);
  for (const id of mux.channels)
    if (!known.has(id)) throw invalidArgument(`multiplexing names unknown channel ${id}`);
  return mux;
}

/** Picks the next channel under a {@link MultiplexingScheme}. */
export class ChannelMultiplexer {
  private readonly ids: readonly number[];
  private readonly polling: boolean;
  private next = 0;

  /**
   * @param scheme - priority order or polling vector of channel IDs (0..65535)
   * @throws CcsdsError `INVALID_ARGUMENT` for an empty list or an out-of-range ID
   */
  constructor(scheme: MultiplexingScheme) {
    this.ids = scheme.kind === 'priority' ? [...scheme.order] : [...scheme.vector];
    this.polling = scheme.kind === 'polling';
    if (this.ids.length === 0) throw invalidArgument('multiplexing needs at least one channel');
    for (const id of this.ids) checkInteger(id, 0, 65535, 'channel ID');
    if (!this.polling && new Set(this.ids).size !== this.ids.length)
      throw invalidArgument('priority order lists a channel twice');
  }

  /** Every channel ID the scheme mentions, once each. */
  get channels(): number[] {
    return [...new Set(this.ids)];
  }

  /** The channel that sends next among those `ready` says yes to, or undefined. */
  select(ready: (id: number) => boolean): number | undefined {
    const n = this.ids.length;
    if (!this.polling) {
      for (let i = 0; i < n; i++) if (ready(this.ids[i]!)) return this.ids[i]!;
      return undefined;
    }
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const id = this.ids[i]!;
      if (ready(id)) {
        this.next = (i + 1) % n;
        return id;
      }
    }
    return undefined;
  }
}
