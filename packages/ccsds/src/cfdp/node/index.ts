/**
 * `ccsds/cfdp/node`: the Node.js parts of CFDP — the file-backed transaction journal and the
 * native CRC-32 for file checksums.
 * @packageDocumentation
 */
export * from './file-journal.js';
export * from './native-checksum.js';
