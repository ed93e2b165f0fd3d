/**
 * `ccsds/cfdp/node`: the Node.js parts of CFDP — the file-backed transaction journal.
 * @packageDocumentation
 */
export * from './file-journal.js';
