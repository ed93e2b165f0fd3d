/**
 * `ccsds/coding`: the synchronization and channel coding layer. TM side (CCSDS 131.0-B-4):
 * Attached Sync Marker and frame synchronisation, the pseudo-randomiser, Reed-Solomon
 * (255,223)/(255,239) with interleaving and virtual fill. TC side (CCSDS 231.0-B-4): the TC
 * randomiser, BCH(63,56) codeblocks and CLTUs with a streaming decoder.
 * @packageDocumentation
 */
export * from './randomizer.js';
export * from './rs-gf.js';
export * from './reed-solomon.js';
export * from './asm.js';
export * from './frame-sync.js';
export * from './bch.js';
export * from './cltu.js';
export * from './fecf.js';
export * from './conv/index.js';
export * from './chain.js';
export * from './ldpc/index.js';
