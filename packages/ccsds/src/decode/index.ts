/**
 * `ccsds/decode`: telemetry decoding of Space Packets (CCSDS 133.0-B-2), in the manner of
 * ccsdspy and of XTCE (CCSDS 660.1-G-2) containers. Packet definitions (fields of any type,
 * width, offset and byte order; fixed, length-field and expand arrays; converters including the
 * CCSDS 301.0-B-4 time codes), a registry that selects definitions by APID and criteria with
 * inheritance, compiled columnar decoders with an interpreter fallback, batch and streaming
 * decoding of mixed-APID streams with diagnostics, an encoder, and loaders for ccsdspy CSV,
 * JSON and an XTCE subset.
 * @packageDocumentation
 */
export * from './definition.js';
export * from './layout.js';
export * from './table.js';
export * from './compile.js';
export * from './convert.js';
export * from './registry.js';
export * from './decoder.js';
export * from './encode.js';
export * from './csv.js';
export * from './json.js';
export * from './xtce.js';
export {
  half as decodeHalf,
  single as decodeSingle,
  mil1750a32 as decodeMil1750a32,
  mil1750a48 as decodeMil1750a48,
  toHalf as encodeHalf,
  toMil1750a32 as encodeMil1750a32,
  toMil1750a48 as encodeMil1750a48,
} from './read.js';
