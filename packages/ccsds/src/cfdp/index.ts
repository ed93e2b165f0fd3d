/**
 * `ccsds/cfdp`: the CCSDS File Delivery Protocol, CCSDS 727.0-B-5.
 * @packageDocumentation
 */
export * from './constants.js';
export * from './header.js';
export * from './tlv.js';
export * from './pdu.js';
export * from './checksum.js';
export * from './journal.js';
export * from './ranges.js';
export * from './mib.js';
export * from './indications.js';
export * from './transaction.js';
export * from './sender.js';
export * from './receiver.js';
export * from './entity.js';
export * from './user-messages.js';
export * from './remote-operations.js';
