/**
 * `ccsds/transport`: the portable side of the transports — the {@link Transport} interface and
 * the implementations that need no Node.js APIs. Node-only transports (UDP, TCP, ZMQ) are in
 * `ccsds/transport/node`.
 * @packageDocumentation
 */
export * from './transport.js';
export * from './simulated.js';
export * from './common.js';
export * from './memory.js';
export * from './packets.js';
