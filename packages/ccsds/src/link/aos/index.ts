/**
 * AOS Space Data Link Protocol, CCSDS 732.0-B-4: frame codec with Frame Header Error Control,
 * and channel engines.
 */
export * from './fhec.js';
export * from './frame.js';
export * from './channel.js';
