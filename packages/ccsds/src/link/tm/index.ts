/**
 * TM Space Data Link Protocol, CCSDS 132.0-B-3: frame codec and channel engines.
 */
export * from './frame.js';
export * from './channel.js';
