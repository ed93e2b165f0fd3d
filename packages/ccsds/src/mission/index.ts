/**
 * `ccsds/mission`: the whole stack end to end. A link budget, a physical channel model (light
 * time, data rate, AWGN BPSK soft symbols, burst errors, pass-plan outages), and a ground station
 * and a spacecraft composed only from the other layers' public faces, driven by scenario files.
 * Portable: nothing here imports `node:*`.
 */
export * from './link-budget.js';
export * from './channel.js';
