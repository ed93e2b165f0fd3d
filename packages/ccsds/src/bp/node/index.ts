/**
 * `ccsds/bp/node`: the Node-only parts of the Bundle Protocol layer — UDP, STCP and TCPCLv4
 * convergence layers on sockets, the File convergence layer on real files, the agent's journal
 * on disk (`JournalBundleStore`, batched; `DirectoryBundleStore`, a file per bundle), the application interface of a running agent (`BpAppServer`, `BpAppClient`), and
 * {@link openConvergenceLayer}, which picks an adapter from an address. Everything
 * portable (`ccsds/bp`) is re-exported.
 * @packageDocumentation
 */
export * from '../index.js';
export * from './cla.js';
export * from './tcpcl.js';
export * from './file.js';
export * from './store.js';
export * from './journal.js';
export * from './app.js';
