/**
 * `ccsds/bp`: the Bundle Protocol version 7 (RFC 9171) — bundles and their blocks in
 * deterministic CBOR, endpoint IDs, fragmentation and reassembly, administrative records,
 * the portable convergence layers (Space Packets, Encapsulation Packets, File CLA framing,
 * TCPCLv4 sessions), Bundle Protocol Security (BPSec, RFC 9172 with the RFC 9173 contexts),
 * the bundle agent and CFDP over BP. Node-only parts (UDP, STCP, TCPCLv4 sockets, File CLA
 * reader/writer, the agent's journal, the application interface server and client) are in
 * `ccsds/bp/node`.
 * @packageDocumentation
 */
export * from './cbor.js';
export * from './eid.js';
export * from './bundle.js';
export * from './fragment.js';
export * from './admin.js';
export * from './cla.js';
export * from './file-cla.js';
export * from './tcpcl.js';
export * from './agent.js';
export * from './cfdp-transport.js';
export * from './app-interface.js';
export * from './bpsec.js';
