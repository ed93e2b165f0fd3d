/** The bundle the BP benchmarks encode and decode, and carry the payload of. */
import { SeededRandom } from '../src/core/index.js';
import {
  CrcType,
  DTN_EPOCH_UNIX_MS,
  createBundle,
  encodeBundle,
  parseEid,
} from '../src/bp/index.js';

/** An encoded bundle from `ipn:1.1` to `ipn:2.1` with `size` octets of seeded random payload. */
export function sample(size: number): Uint8Array {
  return encodeBundle(
    createBundle({
      destination: parseEid('ipn:2.1'),
      source: parseEid('ipn:1.1'),
      payload: new SeededRandom(size).bytes(size),
      creationTime: 848_632_306_246,
      lifetime: 3_600_000,
      hopLimit: 30,
    }),
  );
}

/**
 * The encoded length of a bundle of `size` payload octets as `BundleAgent.send` originates it
 * for `ipn:2.1` from node 1 (CRC-32C, no extension blocks): what the forwarding benchmarks'
 * agents put on the wire, and so the message size of the bare pairs they are set against.
 */
export function forwardedLength(size: number): number {
  const source = parseEid('ipn:1.1');
  return encodeBundle(
    createBundle({
      destination: parseEid('ipn:2.1'),
      source,
      reportTo: source,
      payload: new Uint8Array(size),
      creationTime: Date.now() - DTN_EPOCH_UNIX_MS,
      sequenceNumber: 0,
      lifetime: 60_000,
      flags: 0,
      crcType: CrcType.CRC32C,
    }),
  ).length;
}
