/**
 * Encapsulation Packet streams, CCSDS 133.1-B-3 (Encapsulation Packet Protocol), section 4.1
 * (packet structure) and the receiving-end procedures of section 4 (delimiting packets by their
 * Packet Length, discarding Idle Packets). Built on the core {@link FramedStreamReader}: chunks
 * of any size go in; complete packets and the byte ranges that had to be skipped come out, with
 * resynchronisation after garbage. Sync push, one-shot, async-iterable and WHATWG
 * `TransformStream` entry points.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  FramedStreamReader,
  NOT_A_UNIT,
  SkipReason,
  type Framer,
  type SkippedRange,
} from '../core/index.js';
import {
  classifyEncapsulationHeader,
  decodeEncapsulationPacketHeader,
  HEADER_TOO_LONG,
  ProtocolId,
  resolveMaxPacketLength,
} from './header.js';
import type { EncapsulationPacket } from './packet.js';

/**
 * Default longest packet the stream reader accepts: 65,536 data octets plus the 8-octet header.
 * It bounds the reader's buffer; longer claims are skipped as {@link EncapsulationSkipReason}
 * `TOO_LONG`.
 */
export const DEFAULT_STREAM_MAX_PACKET_LENGTH = 65_536 + 8;

/** Options of {@link EncapsulationPacketFramer}. */
export interface EncapsulationPacketFramerOptions {
  /** Longest packet accepted, header included (default {@link DEFAULT_STREAM_MAX_PACKET_LENGTH}). */
  maxPacketLength?: number;
}

/**
 * The core {@link Framer} for Encapsulation Packets: a valid header (version '111', LoL '00'
 * only for idle, Protocol ID '110' only with an extension field, Packet Length at least the
 * header length and at most `maxPacketLength`) marks a packet start.
 */
export class EncapsulationPacketFramer implements Framer {
  /** Octets a probe needs at most: the 8-octet header. */
  readonly maxHeaderLength = 8;
  /** Longest packet accepted (bounds the reader's memory). */
  readonly maxUnitLength: number;

  /** @param options - the packet length limit */
  constructor(options: EncapsulationPacketFramerOptions = {}) {
    this.maxUnitLength = resolveMaxPacketLength(
      options.maxPacketLength,
      DEFAULT_STREAM_MAX_PACKET_LENGTH,
    );
  }

  /**
   * Like {@link probe}, but tells a header whose length exceeds the limit apart: returns
   * `HEADER_TOO_LONG` (-2) for it instead of `NOT_A_UNIT`.
   */
  classify(buf: Uint8Array, offset: number, end: number): number {
    return classifyEncapsulationHeader(buf, offset, end, this.maxUnitLength);
  }

  /** See {@link Framer.probe}. */
  probe(buf: Uint8Array, offset: number, end: number): number {
    const r = classifyEncapsulationHeader(buf, offset, end, this.maxUnitLength);
    return r === HEADER_TOO_LONG ? NOT_A_UNIT : r;
  }
}

/** Why stream octets were skipped: the core reasons plus `TOO_LONG`. */
export const EncapsulationSkipReason = {
  ...SkipReason,
  /** A valid-looking header claimed a packet longer than the reader's `maxPacketLength`. */
  TOO_LONG: 'too-long',
} as const;
/** One of {@link EncapsulationSkipReason}. */
export type EncapsulationSkipReason =
  (typeof EncapsulationSkipReason)[keyof typeof EncapsulationSkipReason];

/** A range of stream octets that was not part of any delivered packet. */
export interface EncapsulationSkippedRange {
  /** Stream offset of the first skipped octet. */
  start: number;
  /** Stream offset after the last skipped octet. */
  end: number;
  /** Why the first octets of the range were skipped. */
  reason: EncapsulationSkipReason;
}

/** A packet delivered by a stream reader. */
export interface ReadEncapsulationPacket extends EncapsulationPacket {
  /** Stream offset of the packet's first octet. */
  offset: number;
  /** The whole packet, header included (`data` is a view into it). */
  bytes: Uint8Array;
}

/** Options of the stream readers. */
export interface EncapsulationReaderOptions {
  /**
   * Longest packet accepted, header included (1 .. 2^32-1, default
   * {@link DEFAULT_STREAM_MAX_PACKET_LENGTH} = 65,544). The reader buffers up to this many octets.
   */
  maxPacketLength?: number;
  /** Do not deliver Idle Packets (Protocol ID '000'); they are counted in `idlePackets`. */
  dropIdle?: boolean;
  /**
   * Always copy delivered packets. Default false for the push and one-shot readers (a packet
   * lying inside one input chunk is then a view of that chunk, which is safe unless the caller
   * reuses its chunk buffers); true for the async-iterable and `TransformStream` entry points.
   */
  copy?: boolean;
  /**
   * After garbage, believe a header only if another valid header (or the end of the stream)
   * follows its packet (default true; see `FramedStreamReaderOptions.confirmResync`). The 3-bit
   * version is a weak marker, so this keeps garbage that looks like a header from swallowing the
   * packets after it; the price is that a lone packet between two bursts of garbage is skipped.
   */
  confirmResync?: boolean;
}

/**
 * Push-style Encapsulation Packet stream reader: `push(chunk)` any number of times, then
 * `end()`. Packets and skipped ranges are delivered to the callbacks in stream order. A packet is
 * delivered only when all its octets have been seen; after octets that cannot start a packet the
 * reader searches octet by octet for the next valid header. Memory is bounded by
 * `maxPacketLength`.
 *
 * Note: a corrupted octet that still forms a valid header with a large length makes the reader
 * wait for that many octets (up to `maxPacketLength`), as with every length-delimited stream.
 */
export class EncapsulationPacketReader {
  private readonly framer: EncapsulationPacketFramer;
  private readonly inner: FramedStreamReader;
  private readonly onPacket: (packet: ReadEncapsulationPacket) => void;
  private readonly onSkipped: (range: EncapsulationSkippedRange) => void;
  private readonly dropIdle: boolean;
  /** Kind of the first rejected probe since the last delivered unit or range. */
  private firstRejection: number | undefined;
  /** Packets delivered. */
  packets = 0;
  /** Idle Packets seen (delivered or not, depending on `dropIdle`). */
  idlePackets = 0;

  /**
   * @param onPacket - receives each complete packet
   * @param onSkipped - receives each skipped range (garbage, over-long claims, a packet cut by
   *   the end of the stream)
   * @param options - limit, idle filtering, copying, resync confirmation
   */
  constructor(
    onPacket: (packet: ReadEncapsulationPacket) => void,
    onSkipped: (range: EncapsulationSkippedRange) => void = () => undefined,
    options: EncapsulationReaderOptions = {},
  ) {
    this.framer = new EncapsulationPacketFramer(
      options.maxPacketLength === undefined ? {} : { maxPacketLength: options.maxPacketLength },
    );
    this.onPacket = onPacket;
    this.onSkipped = onSkipped;
    this.dropIdle = options.dropIdle ?? false;
    const framer = this.framer;
    // The core reader resolves stream positions in order and marks the first octet after a unit
    // as garbage only on a rejected probe at that very position (look-ahead probes happen only
    // once garbage has been seen), so the first rejected probe after a unit (or range) names the
    // first octet of the next skipped range: remember its kind to report over-long claims.
    const tracking: Framer = {
      maxHeaderLength: framer.maxHeaderLength,
      maxUnitLength: framer.maxUnitLength,
      probe: (buf, offset, end) => {
        const r = framer.classify(buf, offset, end);
        if (r >= 0) return r;
        if (this.firstRejection === undefined) this.firstRejection = r;
        return NOT_A_UNIT;
      },
    };
    const copy = options.copy ?? false;
    this.inner = new FramedStreamReader(
      tracking,
      {
        unit: (bytes, offset) => this.unit(bytes, offset),
        skipped: (range) => this.skipped(range),
      },
      options.confirmResync === undefined
        ? { copy }
        : { copy, confirmResync: options.confirmResync },
    );
  }

  /** Longest packet accepted. */
  get maxPacketLength(): number {
    return this.framer.maxUnitLength;
  }

  /** Total octets pushed so far. */
  get position(): number {
    return this.inner.position;
  }

  /** Octets skipped so far. */
  get skippedOctets(): number {
    return this.inner.skippedOctets;
  }

  /**
   * Feeds the next chunk of the stream.
   * @throws CcsdsError `INVALID_STATE` after {@link end}; `INVALID_ARGUMENT` for a non-Uint8Array.
   */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'stream chunks must be Uint8Array');
    }
    this.inner.push(chunk);
  }

  /** Declares the end of the stream; a packet cut short is reported as a `truncated` range. */
  end(): void {
    this.inner.end();
  }

  private unit(bytes: Uint8Array, offset: number): void {
    this.firstRejection = undefined;
    // The framer accepted this header, so decoding it cannot fail.
    const header = decodeEncapsulationPacketHeader(bytes, 0);
    if (header.protocolId === ProtocolId.IDLE) {
      this.idlePackets++;
      if (this.dropIdle) return;
    }
    this.packets++;
    this.onPacket({ header, data: bytes.subarray(header.headerLength), offset, bytes });
  }

  private skipped(range: SkippedRange): void {
    const reason: EncapsulationSkipReason =
      range.reason === SkipReason.UNRECOGNISED && this.firstRejection === HEADER_TOO_LONG
        ? EncapsulationSkipReason.TOO_LONG
        : range.reason;
    this.firstRejection = undefined;
    this.onSkipped({ start: range.start, end: range.end, reason });
  }
}

/** Result of {@link readEncapsulationPackets}. */
export interface EncapsulationReadResult {
  /** The packets, in stream order (views into the input unless `copy`). */
  packets: ReadEncapsulationPacket[];
  /** The skipped ranges, in stream order. */
  skipped: EncapsulationSkippedRange[];
}

/** Reads every packet of an in-memory stream (one-shot form of {@link EncapsulationPacketReader}). */
export function readEncapsulationPackets(
  bytes: Uint8Array,
  options: EncapsulationReaderOptions = {},
): EncapsulationReadResult {
  const result: EncapsulationReadResult = { packets: [], skipped: [] };
  const reader = new EncapsulationPacketReader(
    (p) => result.packets.push(p),
    (r) => result.skipped.push(r),
    options,
  );
  reader.push(bytes);
  reader.end();
  return result;
}

/** An item of the async-iterable and `TransformStream` entry points, in stream order. */
export type EncapsulationStreamItem =
  | ({ kind: 'packet' } & ReadEncapsulationPacket)
  | ({ kind: 'skipped' } & EncapsulationSkippedRange);

/**
 * Reads packets from any (async) iterable of chunks: a Node `Readable`, a socket, a WHATWG
 * `ReadableStream` (async-iterable in Node and Deno), an async generator or an array. Yields
 * packets (as soon as their last octet arrives) and skipped ranges in stream order. Packets are
 * copies unless `options.copy` is false.
 */
export async function* encapsulationPacketsFrom(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: EncapsulationReaderOptions = {},
): AsyncGenerator<EncapsulationStreamItem, void, undefined> {
  let queue: EncapsulationStreamItem[] = [];
  const reader = new EncapsulationPacketReader(
    (p) => queue.push({ kind: 'packet', ...p }),
    (r) => queue.push({ kind: 'skipped', ...r }),
    { ...options, copy: options.copy ?? true },
  );
  for await (const chunk of source) {
    reader.push(chunk);
    if (queue.length > 0) {
      const ready = queue;
      queue = [];
      yield* ready;
    }
  }
  reader.end();
  yield* queue;
}

/**
 * A WHATWG `TransformStream` from octet chunks to packets and skipped ranges (uses
 * `globalThis.TransformStream`: browsers, Deno, Bun, Node 18+). Packets are copies unless
 * `options.copy` is false.
 *
 * @throws CcsdsError `UNSUPPORTED` when the platform has no `TransformStream`.
 */
export function encapsulationPacketTransformStream(
  options: EncapsulationReaderOptions = {},
): TransformStream<Uint8Array, EncapsulationStreamItem> {
  const Transform = (globalThis as { TransformStream?: typeof TransformStream }).TransformStream;
  if (Transform === undefined) {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'TransformStream is not available here');
  }
  let reader: EncapsulationPacketReader | undefined;
  return new Transform<Uint8Array, EncapsulationStreamItem>({
    start(controller) {
      reader = new EncapsulationPacketReader(
        (p) => controller.enqueue({ kind: 'packet', ...p }),
        (r) => controller.enqueue({ kind: 'skipped', ...r }),
        { ...options, copy: options.copy ?? true },
      );
    },
    transform(chunk) {
      reader!.push(chunk);
    },
    flush() {
      reader!.end();
    },
  });
}
