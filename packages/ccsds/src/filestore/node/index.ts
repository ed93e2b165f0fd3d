/**
 * `ccsds/filestore/node`: the Node-only filestore, {@link NativeFileStore}, rooted at a host
 * folder. Everything portable (the interface, the memory store, the path rules and the
 * 727.0-B-5 filestore actions) is re-exported, so Node users need only this entry point.
 * @packageDocumentation
 */
export * from '../index.js';
export * from './native.js';
