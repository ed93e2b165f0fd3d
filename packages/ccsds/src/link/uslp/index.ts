/**
 * Unified Space Data Link Protocol, CCSDS 732.1-B-2: frame codec (fixed, variable and
 * truncated frames) and channel engines.
 */
export * from './fecf.js';
export * from './frame.js';
export * from './channel.js';
