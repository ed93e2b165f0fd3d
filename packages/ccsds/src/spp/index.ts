/**
 * `ccsds/spp`: the Space Packet Protocol, CCSDS 133.0-B-2. Primary header and packet codecs,
 * sequence counting and gap detection modulo 16,384, segmentation and reassembly, a streaming
 * reader with resynchronisation, and count / split / validate over whole streams.
 * @packageDocumentation
 */
export * from './header.js';
export * from './packet.js';
export * from './sequence.js';
export * from './segmentation.js';
export * from './reader.js';
export * from './analysis.js';
