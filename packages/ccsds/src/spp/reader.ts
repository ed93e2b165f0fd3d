/**
 * Streaming Space Packet reader (CCSDS 133.0-B-2 §4.1) over any byte source: chunks of any size
 * and boundary, with resynchronisation after garbage. Built on the core
 * {@link FramedStreamReader}: a packet is emitted only when all its octets have been seen, never
 * twice, and memory is bounded by the longest packet.
 *
 * Resynchronisation is only as good as the knowledge of what a valid header looks like: give
 * the APIDs (or exact 16-bit packet identifications) the mission uses, and optionally packet
 * error control, so that garbage is told from packets. Without them every version-0 header is
 * believed.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  FramedStreamReader,
  type Framer,
  NEED_MORE,
  NOT_A_UNIT,
  type SkippedRange,
  checkInteger,
} from '../core/index.js';
import {
  IDLE_APID,
  MAX_PACKET_LENGTH,
  MIN_PACKET_LENGTH,
  PRIMARY_HEADER_LENGTH,
  type SpacePacketPrimaryHeader,
  decodeSpacePacketHeader,
} from './header.js';
import { hasValidPacketErrorControl } from './packet.js';

/** What the reader accepts as the start of a packet. */
export interface SpacePacketFilterOptions {
  /** APIDs in use (any packet type and secondary header flag); idle APID 2047 is always accepted. */
  validApids?: Iterable<number>;
  /** Exact 16-bit first header words (version, type, secondary header flag, APID) in use. */
  validPacketIdentifications?: Iterable<number>;
  /** Longest packet accepted, in octets (7..65,542; default 65,542). */
  maxPacketLength?: number;
  /** Packets end with a CRC-16-CCITT; packets failing it are skipped as garbage. */
  packetErrorControl?: boolean;
}

/** Options of {@link SpacePacketReader}. */
export interface SpacePacketReaderOptions extends SpacePacketFilterOptions {
  /** Do not deliver idle packets (APID 2047); they are still counted. */
  dropIdle?: boolean;
  /** Copy every packet instead of handing out views of the input chunks (default false). */
  copy?: boolean;
  /**
   * After garbage, believe a header only if another valid header follows its packet (see
   * `FramedStreamReaderOptions.confirmResync`; default: on unless packet error control is used).
   */
  confirmResync?: boolean;
}

/** A packet found in a stream. */
export interface ReadSpacePacket {
  /** The whole packet (a view of the input unless `copy` was set). */
  bytes: Uint8Array;
  /** Stream offset of its first octet. */
  offset: number;
  /** Its primary header. */
  header: SpacePacketPrimaryHeader;
}

/** An item of the async and WHATWG stream entry points. */
export type SpacePacketStreamItem =
  | ({ kind: 'packet' } & ReadSpacePacket)
  | ({ kind: 'skipped' } & SkippedRange);

/** Builds the lookup of accepted first header words. */
function buildIdTable(options: SpacePacketFilterOptions): Uint8Array {
  const t = new Uint8Array(65536);
  const apids = options.validApids === undefined ? undefined : [...options.validApids];
  const ids =
    options.validPacketIdentifications === undefined
      ? undefined
      : [...options.validPacketIdentifications];
  if (apids === undefined && ids === undefined) {
    t.fill(1, 0, 0x2000); // every version-0 word
    return t;
  }
  // Idle packets are always legitimate in a stream.
  for (let typeSec = 0; typeSec < 4; typeSec++) t[(typeSec << 11) | IDLE_APID] = 1;
  for (const a of apids ?? []) {
    checkInteger(a, 0, 2047, 'APID');
    for (let typeSec = 0; typeSec < 4; typeSec++) t[(typeSec << 11) | a] = 1;
  }
  for (const id of ids ?? []) {
    checkInteger(id, 0, 0xffff, 'packet identification');
    if (id >> 13 !== 0) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `packet identification ${id} has a version other than 0`,
      );
    }
    t[id] = 1;
  }
  return t;
}

/** The {@link Framer} for Space Packets: used by the readers here and by other layers. */
export function spacePacketFramer(options: SpacePacketFilterOptions = {}): Framer {
  const table = buildIdTable(options);
  const maxLen = options.maxPacketLength ?? MAX_PACKET_LENGTH;
  checkInteger(maxLen, MIN_PACKET_LENGTH, MAX_PACKET_LENGTH, 'maxPacketLength');
  const pec = options.packetErrorControl === true;
  const framer: Framer = {
    maxHeaderLength: PRIMARY_HEADER_LENGTH,
    maxUnitLength: maxLen,
    probe(buf, offset, end) {
      if (end - offset < 2) return NEED_MORE;
      if (table[(buf[offset]! << 8) | buf[offset + 1]!] === 0) return NOT_A_UNIT;
      if (end - offset < PRIMARY_HEADER_LENGTH) return NEED_MORE;
      const len = ((buf[offset + 4]! << 8) | buf[offset + 5]!) + MIN_PACKET_LENGTH;
      if (len > maxLen || (pec && len < PRIMARY_HEADER_LENGTH + 3)) return NOT_A_UNIT;
      return len;
    },
  };
  if (pec) framer.accept = hasValidPacketErrorControl;
  return framer;
}

/**
 * Push-style reader: `push(chunk)` any number of times, then `end()`. Packets and skipped ranges
 * are delivered to the callbacks in stream order.
 */
export class SpacePacketReader {
  private readonly inner: FramedStreamReader;
  /** Packets delivered. */
  packets = 0;
  /** Idle packets seen (delivered or not). */
  idlePackets = 0;

  constructor(
    onPacket: (packet: ReadSpacePacket) => void,
    onSkipped: (range: SkippedRange) => void = () => undefined,
    options: SpacePacketReaderOptions = {},
  ) {
    const dropIdle = options.dropIdle === true;
    this.inner = new FramedStreamReader(
      spacePacketFramer(options),
      {
        unit: (bytes, offset) => {
          const header = decodeSpacePacketHeader(bytes, 0);
          if (header.apid === IDLE_APID) {
            this.idlePackets++;
            if (dropIdle) return;
          }
          this.packets++;
          onPacket({ bytes, offset, header });
        },
        skipped: onSkipped,
      },
      options.confirmResync === undefined
        ? { copy: options.copy ?? false }
        : { copy: options.copy ?? false, confirmResync: options.confirmResync },
    );
  }

  /** Feeds the next chunk. */
  push(chunk: Uint8Array): void {
    this.inner.push(chunk);
  }

  /** Ends the stream; an incomplete packet left over is reported as a truncated skipped range. */
  end(): void {
    this.inner.end();
  }

  /** Octets consumed so far. */
  get position(): number {
    return this.inner.position;
  }

  /** Octets skipped so far. */
  get skippedOctets(): number {
    return this.inner.skippedOctets;
  }
}

/** Reads every packet of an in-memory stream. */
export function readSpacePackets(
  bytes: Uint8Array,
  options: SpacePacketReaderOptions = {},
): { packets: ReadSpacePacket[]; skipped: SkippedRange[] } {
  const packets: ReadSpacePacket[] = [];
  const skipped: SkippedRange[] = [];
  const r = new SpacePacketReader(
    (p) => packets.push(p),
    (s) => skipped.push(s),
    options,
  );
  r.push(bytes);
  r.end();
  return { packets, skipped };
}

/**
 * Reads packets from any (async) iterable of chunks — a Node.js `Readable`, a socket, a
 * `ReadableStream`, or an array — yielding packets and skipped ranges in stream order.
 */
export async function* spacePacketsFrom(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: SpacePacketReaderOptions = {},
): AsyncGenerator<SpacePacketStreamItem> {
  let queue: SpacePacketStreamItem[] = [];
  const r = new SpacePacketReader(
    (p) => queue.push({ kind: 'packet', ...p }),
    (s) => queue.push({ kind: 'skipped', ...s }),
    { ...options, copy: options.copy ?? true },
  );
  for await (const chunk of source) {
    r.push(chunk);
    if (queue.length > 0) {
      const q = queue;
      queue = [];
      yield* q;
    }
  }
  r.end();
  yield* queue;
}

/** A WHATWG `TransformStream` from octet chunks to packets and skipped ranges. */
export function spacePacketTransformStream(
  options: SpacePacketReaderOptions = {},
): TransformStream<Uint8Array, SpacePacketStreamItem> {
  let reader: SpacePacketReader | undefined;
  return new TransformStream<Uint8Array, SpacePacketStreamItem>({
    start(controller) {
      reader = new SpacePacketReader(
        (p) => controller.enqueue({ kind: 'packet', ...p }),
        (s) => controller.enqueue({ kind: 'skipped', ...s }),
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
