/**
 * Space Packets (CCSDS 133.0-B-2) and Encapsulation Packets (CCSDS 133.1-B-3) sharing one
 * stream, told apart by the packet version number in the first three bits (000 and 111), as on a
 * virtual channel that carries both. One framer dispatches to the two layers' framers; one
 * reader delivers both kinds in stream order.
 */
import {
  FramedStreamReader,
  type Framer,
  NEED_MORE,
  NOT_A_UNIT,
  type SkippedRange,
} from '../core/index.js';
import {
  type SpacePacketFilterOptions,
  type SpacePacketPrimaryHeader,
  decodeSpacePacketHeader,
  spacePacketFramer,
} from '../spp/index.js';
import { type EncapsulationPacketHeader, decodeEncapsulationPacketHeader } from './header.js';
import { EncapsulationPacketFramer } from './stream.js';

/** Options of the mixed readers. */
export interface MixedPacketOptions {
  /** Space Packet acceptance (valid APIDs, packet error control, maximum length). */
  spacePackets?: SpacePacketFilterOptions;
  /** Longest Encapsulation Packet accepted (default 65,544). */
  maxEncapsulationPacketLength?: number;
  /** See `FramedStreamReaderOptions.confirmResync`. */
  confirmResync?: boolean;
  /** Copy delivered packets instead of handing out views of the input (default false). */
  copy?: boolean;
}

/** A packet of either kind, in stream order. */
export type MixedPacket =
  | { kind: 'space'; offset: number; bytes: Uint8Array; header: SpacePacketPrimaryHeader }
  | { kind: 'encapsulation'; offset: number; bytes: Uint8Array; header: EncapsulationPacketHeader };

/** A {@link Framer} for streams of both packet kinds. */
export function mixedPacketFramer(options: MixedPacketOptions = {}): Framer {
  const spp = spacePacketFramer(options.spacePackets ?? {});
  const epp = new EncapsulationPacketFramer(
    options.maxEncapsulationPacketLength === undefined
      ? {}
      : { maxPacketLength: options.maxEncapsulationPacketLength },
  );
  const framer: Framer = {
    maxHeaderLength: Math.max(spp.maxHeaderLength, epp.maxHeaderLength),
    maxUnitLength: Math.max(spp.maxUnitLength, epp.maxUnitLength),
    probe(buf, offset, end) {
      if (end - offset < 1) return NEED_MORE;
      const version = buf[offset]! >> 5;
      if (version === 0) return spp.probe(buf, offset, end);
      if (version === 7) return epp.probe(buf, offset, end);
      return NOT_A_UNIT;
    },
  };
  if (spp.accept !== undefined) {
    const sppAccept = spp.accept;
    framer.accept = (unit) => (unit[0]! >> 5 === 0 ? sppAccept(unit) : true);
  }
  return framer;
}

/** Push-style reader of a stream carrying both packet kinds. */
export class MixedPacketReader {
  private readonly inner: FramedStreamReader;

  constructor(
    onPacket: (p: MixedPacket) => void,
    onSkipped: (r: SkippedRange) => void = () => undefined,
    options: MixedPacketOptions = {},
  ) {
    const readerOptions: { copy: boolean; confirmResync?: boolean } = {
      copy: options.copy ?? false,
    };
    if (options.confirmResync !== undefined) readerOptions.confirmResync = options.confirmResync;
    this.inner = new FramedStreamReader(
      mixedPacketFramer(options),
      {
        unit: (bytes, offset) => {
          if (bytes[0]! >> 5 === 0)
            onPacket({ kind: 'space', offset, bytes, header: decodeSpacePacketHeader(bytes, 0) });
          else
            onPacket({
              kind: 'encapsulation',
              offset,
              bytes,
              header: decodeEncapsulationPacketHeader(bytes, 0),
            });
        },
        skipped: onSkipped,
      },
      readerOptions,
    );
  }

  /** Feeds the next chunk. */
  push(chunk: Uint8Array): void {
    this.inner.push(chunk);
  }

  /** Ends the stream. */
  end(): void {
    this.inner.end();
  }
}

/** Reads both packet kinds from an in-memory stream. */
export function readMixedPackets(
  bytes: Uint8Array,
  options: MixedPacketOptions = {},
): { packets: MixedPacket[]; skipped: SkippedRange[] } {
  const packets: MixedPacket[] = [];
  const skipped: SkippedRange[] = [];
  const r = new MixedPacketReader(
    (p) => packets.push(p),
    (s) => skipped.push(s),
    options,
  );
  r.push(bytes);
  r.end();
  return { packets, skipped };
}
