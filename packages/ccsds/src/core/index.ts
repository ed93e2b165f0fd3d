/**
 * `ccsds/core`: the plumbing every layer shares. Bytes and bit fields, the CRCs of the CCSDS
 * stack, the one error type, the injected clock with a deterministic simulated scheduler, seeded
 * randomness, and the length-framed stream reader that packet layers build on.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './bytes.js';
export * from './bits.js';
export * from './crc.js';
export * from './random.js';
export * from './clock.js';
export * from './framing.js';
export * from './events.js';
