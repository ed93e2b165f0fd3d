/**
 * Encapsulation Packet benchmarks (CCSDS 133.1-B-3): the stream reader over 10^5 mixed packets
 * (LTP/IPE/CFDP/BP/mission, 0..400 data octets, 2/4/8-octet headers, 1-octet and longer idle
 * packets) in 64 KiB and in 1,115-octet chunks (a TM frame's worth), and the packet encoder
 * (a new array per packet, and written into one buffer).
 * No other JavaScript Encapsulation Packet implementation runs here, so no peer ratio is shown.
 */
import { SeededRandom } from '../src/core/index.js';
import {
  EncapsulationPacketReader,
  type EncapsulationPacketInit,
  encodeEncapsulationIdlePacket,
  encodeEncapsulationPacket,
  writeEncapsulationPacket,
} from '../src/epp/index.js';
import { bench } from './harness.js';

const NO_PEER = 'no other JavaScript encapsulation packet implementation to compare with';

/** `n` packet descriptions of random protocol, size and header form. */
export function makePackets(n: number, seed = 1): EncapsulationPacketInit[] {
  const rng = new SeededRandom(seed);
  const out: EncapsulationPacketInit[] = [];
  for (let i = 0; i < n; i++) {
    const form = rng.nextInt(10);
    out.push({
      protocolId: [1, 2, 3, 4, 7][rng.nextInt(5)]!,
      data: rng.bytes(rng.nextInt(401)),
      // Mostly the smallest form; sometimes a forced 8-octet header or a user-defined field.
      ...(form === 0 ? { lengthOfLength: 3 } : form === 1 ? { userDefinedField: 5 } : {}),
    });
  }
  return out;
}

/** Encodes the packets, with an idle packet after every tenth one, into one buffer. */
export function makeStream(packets: readonly EncapsulationPacketInit[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  packets.forEach((p, i) => {
    const bytes = encodeEncapsulationPacket(p);
    parts.push(bytes);
    total += bytes.length;
    if (i % 10 === 9) {
      const idle = encodeEncapsulationIdlePacket(i % 20 === 9 ? 1 : 12);
      parts.push(idle);
      total += idle.length;
    }
  });
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function readAll(stream: Uint8Array, chunk: number): number {
  let k = 0;
  const r = new EncapsulationPacketReader(() => k++, undefined, { dropIdle: true });
  for (let o = 0; o < stream.length; o += chunk) r.push(stream.subarray(o, o + chunk));
  r.end();
  return k;
}

/** Runs the Encapsulation Packet benchmarks. */
export async function run(): Promise<void> {
  const n = 100_000;
  const packets = makePackets(n);
  const stream = makeStream(packets);
  if (readAll(stream, 65536) !== n) throw new Error('epp bench: reader lost packets');
  const work = { items: n, itemName: 'packets', bytes: stream.length };
  await bench(
    'epp',
    'stream reader, 10^5 mixed packets, 64 KiB chunks',
    () => readAll(stream, 65536),
    work,
    NO_PEER,
  );
  await bench(
    'epp',
    'stream reader, 10^5 mixed packets, 1115-octet chunks',
    () => readAll(stream, 1115),
    work,
    NO_PEER,
  );
  let encodedBytes = 0;
  for (const p of packets) encodedBytes += encodeEncapsulationPacket(p).length;
  await bench(
    'epp',
    'encode 10^5 mixed packets',
    () => {
      let s = 0;
      for (const p of packets) s += encodeEncapsulationPacket(p).length;
      return s;
    },
    { items: n, itemName: 'packets', bytes: encodedBytes },
    NO_PEER,
  );
  const target = new Uint8Array(encodedBytes);
  await bench(
    'epp',
    'write 10^5 mixed packets into one buffer',
    () => {
      let o = 0;
      for (const p of packets) o += writeEncapsulationPacket(target, o, p);
      return o;
    },
    { items: n, itemName: 'packets', bytes: encodedBytes },
    NO_PEER,
  );
}
