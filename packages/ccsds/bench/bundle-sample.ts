/** The bundle the BP benchmarks encode and decode, and carry the payload of. */
import { SeededRandom } from '../src/core/index.js';
import { createBundle, encodeBundle, parseEid } from '../src/bp/index.js';

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
