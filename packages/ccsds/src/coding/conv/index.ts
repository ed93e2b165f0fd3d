/**
 * Convolutional coding of CCSDS 131.0-B-4 (TM Synchronization and Channel Coding) section 3:
 * the rate-1/2 K = 7 code (G1 = 171, G2 = 133 octal, G2 inverted) and its punctured rates
 * 2/3, 3/4, 5/6 and 7/8; a streaming encoder; streaming and block Viterbi decoders (soft and
 * hard input, WebAssembly SIMD kernel with a plain TypeScript fallback); symbol-alignment
 * resolution.
 * @packageDocumentation
 */
export * from './code.js';
export * from './encoder.js';
export * from './viterbi.js';
export { loadViterbiWasm } from './wasm/engine.js';
