/**
 * `ccsds/link`: the space data link protocols. TM (CCSDS 132.0-B-3), AOS (732.0-B-4) and USLP
 * (732.1-B-2) frame codecs, virtual channel generation and multiplexing, master/virtual channel
 * demultiplexing with frame-count gap detection, packet extraction of Space and
 * Encapsulation Packets, the AOS Bitstream service and the Virtual Channel Access service; the
 * CLCW codec (232.0-B-4 section 4.2) for the Operational Control Field.
 * @packageDocumentation
 */
export * from './common.js';
export * from './clcw.js';
export * from './packet-extraction.js';
export * from './vc-generator.js';
export * from './bitstream-generator.js';
export * from './vca-queue.js';
export * from './mux.js';
export * from './tm/index.js';
export * from './tc/index.js';
export * from './aos/index.js';
export * from './uslp/index.js';
