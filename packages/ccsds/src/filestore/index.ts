/**
 * `ccsds/filestore`: the {@link FileStore} interface and the portable in-memory store. The
 * native store rooted at a folder is in `ccsds/filestore/node`.
 * @packageDocumentation
 */
export * from './filestore.js';
export * from './paths.js';
export * from './actions.js';
export * from './memory.js';
