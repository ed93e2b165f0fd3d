/**
 * `ccsds/mission`: the whole stack end to end. A link budget, a physical channel model (light
 * time, data rate, AWGN BPSK soft symbols, burst errors, pass-plan outages), and a ground station
 * and a spacecraft composed only from the other layers' public faces, driven by scenario files.
 * Portable: nothing here imports `node:*`.
 */
export * from './link-budget.js';
export * from './channel.js';
export * from './packet-port.js';
export * from './pdu-counts.js';
export * from './uplink.js';
export * from './downlink.js';
export * from './housekeeping.js';
export * from './nodes.js';
export * from './scenario.js';
export * from './scenarios.js';
export * from './mission.js';
