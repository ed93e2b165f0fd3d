/**
 * LDPC codes of CCSDS 131.0-B-4 (TM Synchronization and Channel Coding) section 7: the C2
 * (8160,7136) near-Earth code (section 7.3) and the AR4JA codes of rates 1/2, 2/3 and 4/5 with
 * information blocks of 1024 and 4096 bits (section 7.4); their parity check matrices, systematic
 * encoders and a layered normalized min-sum decoder.
 * @packageDocumentation
 */
export * from './codes.js';
export * from './encoder.js';
export * from './decoder.js';
export {
  AR4JA_PHI,
  AR4JA_THETA,
  C2_CIRCULANT_SIZE,
  C2_G_FIRST_ROWS,
  C2_H_POSITIONS,
} from './tables.js';
