/**
 * `ccsds/link` TC part: the TC Space Data Link Protocol (CCSDS 232.0-B-4) — transfer frames,
 * segment headers, the MAP Packet service with blocking, segmentation and reassembly, COP-1
 * control commands — and the Communications Operation Procedure-1 (CCSDS 232.1-B-2): FOP-1 on
 * the sending side, FARM-1 on the receiving side, with the CLCW of `link/clcw`.
 * @packageDocumentation
 */
export * from './frame.js';
export * from './control.js';
export * from './segment.js';
export * from './farm.js';
export * from './fop.js';
