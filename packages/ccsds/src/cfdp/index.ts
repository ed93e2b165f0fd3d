/**
 * `ccsds/cfdp`: the CCSDS File Delivery Protocol, CCSDS 727.0-B-5.
 * @packageDocumentation
 */
export * from './constants.js';
export * from './header.js';
export * from './tlv.js';
export * from './pdu.js';
export * from './checksum.js';
