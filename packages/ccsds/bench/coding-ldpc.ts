/**
 * Benchmarks of the LDPC codes of CCSDS 131.0-B-4 section 7: systematic encoding and layered
 * normalized min-sum decoding (at most 50 iterations, early termination) of BPSK/AWGN codewords
 * at an Eb/N0 on each code's waterfall. Throughput counts information bits. No LDPC peer is
 * installed here, so no ratio is printed.
 */
import { LdpcDecoder, LdpcEncoder, type LdpcCodeName } from '../src/coding/ldpc/index.js';
import { SeededRandom } from '../src/core/index.js';
import { bench } from './harness.js';

const LAYER = 'coding-ldpc';
const PEER = 'no LDPC peer installed here';

/** Runs the LDPC benchmarks. */
export async function run(): Promise<void> {
  const cases: [LdpcCodeName, number][] = [
    ['C2', 4.2],
    ['AR4JA-1/2-1024', 2.0],
    ['AR4JA-2/3-1024', 3.0],
    ['AR4JA-4/5-1024', 4.0],
    ['AR4JA-1/2-4096', 1.8],
  ];
  for (const [name, ebn0] of cases) {
    const enc = new LdpcEncoder(name);
    const dec = new LdpcDecoder(name);
    const { k, n } = enc.code;
    const rng = new SeededRandom(131);
    const frames = 16;
    const infos = Array.from({ length: frames }, () => rng.bytes(k / 8));
    const sigma = Math.sqrt(1 / (2 * (k / n) * 10 ** (ebn0 / 10)));
    const llrs = infos.map((info) => {
      const cw = enc.encode(info);
      const llr = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const y = ((cw[i >>> 3]! >>> (7 - (i & 7))) & 1 ? -1 : 1) + sigma * rng.normal();
        llr[i] = (2 * y) / (sigma * sigma);
      }
      return llr;
    });
    const out = new Uint8Array(n / 8);
    const work = { bytes: (frames * k) / 8, items: frames, itemName: 'codewords' };
    await bench(
      LAYER,
      `encode ${name}`,
      () => {
        for (const info of infos) enc.encodeInto(info, out);
      },
      work,
      PEER,
    );
    let iterations = 0;
    let failures = 0;
    for (const llr of llrs) {
      const r = dec.decodeLlr(llr);
      iterations += r.iterations;
      if (!r.ok) failures++;
    }
    const note = `${(iterations / frames).toFixed(1)} iterations/codeword, ${failures}/${frames} failed`;
    await bench(
      LAYER,
      `decode ${name} at ${ebn0} dB`,
      () => {
        for (const llr of llrs) dec.decodeLlr(llr);
      },
      work,
      `${PEER}; ${note}`,
    );
  }
}
