/**
 * `ccsds/epp`: the Encapsulation Packet Protocol, CCSDS 133.1-B-3. Header and packet codecs for
 * all four header forms (section 4.1.2: the 1-octet Idle Packet and the 2-, 4- and 8-octet
 * headers), Idle Packets for fill, and stream readers (sync push, one-shot, async-iterable,
 * WHATWG `TransformStream`) built on the core framed stream reader.
 * @packageDocumentation
 */
export {
  EPP_PACKET_VERSION_NUMBER,
  MAX_ENCAPSULATION_PACKET_LENGTH,
  HEADER_TOO_LONG,
  ProtocolId,
  LengthOfLength,
  encapsulationHeaderLength,
  classifyEncapsulationHeader,
  decodeEncapsulationPacketHeader,
  encodeEncapsulationPacketHeader,
} from './header.js';
export type {
  EncapsulationPacketHeader,
  EncapsulationPacketHeaderInit,
  EncapsulationDecodeOptions,
} from './header.js';
export {
  encodeEncapsulationPacket,
  writeEncapsulationPacket,
  encodeEncapsulationIdlePacket,
  decodeEncapsulationPacket,
} from './packet.js';
export type {
  EncapsulationPacket,
  EncapsulationPacketInit,
  EncapsulationPacketDecodeOptions,
} from './packet.js';
export {
  DEFAULT_STREAM_MAX_PACKET_LENGTH,
  EncapsulationPacketFramer,
  EncapsulationSkipReason,
  EncapsulationPacketReader,
  readEncapsulationPackets,
  encapsulationPacketsFrom,
  encapsulationPacketTransformStream,
} from './stream.js';
export type {
  EncapsulationPacketFramerOptions,
  EncapsulationSkippedRange,
  ReadEncapsulationPacket,
  EncapsulationReaderOptions,
  EncapsulationReadResult,
  EncapsulationStreamItem,
} from './stream.js';
export { mixedPacketFramer, MixedPacketReader, readMixedPackets } from './mixed.js';
export type { MixedPacket, MixedPacketOptions } from './mixed.js';
