/**
 * Link-layer benchmarks: TM receiving (FECF check, master/virtual channel demultiplexing, frame
 * count checks and packet extraction) over 1,115-octet frames carrying a mix of Space and
 * Encapsulation Packets on three virtual channels, in frames/s and bit/s; and the TM sender
 * producing those frames.
 */
import { SeededRandom } from '../src/core/index.js';
import { encodeEncapsulationPacket } from '../src/epp/index.js';
import { TmReceiver, TmSender } from '../src/link/index.js';
import { encodeSpacePacket } from '../src/spp/index.js';
import { bench } from './harness.js';

const FRAME_LENGTH = 1115;

function packets(n: number, seed: number): Uint8Array[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i) =>
    i % 4 === 3
      ? encodeEncapsulationPacket({ protocolId: 2, data: rng.bytes(100 + rng.nextInt(900)) })
      : encodeSpacePacket({
          apid: 1 + rng.nextInt(50),
          packetSequenceCount: i % 16384,
          userData: rng.bytes(100 + rng.nextInt(900)),
        }),
  );
}

function frames(fecfPresent: boolean): { stream: Uint8Array; count: number; sender: () => void } {
  const pk = packets(4000, 7);
  const make = (): TmSender =>
    new TmSender({
      spacecraftId: 42,
      frameLength: FRAME_LENGTH,
      fecfPresent,
      ocfPresent: true,
      virtualChannels: [{ virtualChannelId: 0 }, { virtualChannelId: 1 }, { virtualChannelId: 2 }],
      multiplexing: { kind: 'polling', vector: [0, 1, 2] },
    });
  const fill = (tx: TmSender): Uint8Array[] => {
    pk.forEach((p, i) => tx.send(i % 3, p));
    return tx.flush();
  };
  const list = fill(make());
  const stream = new Uint8Array(list.length * FRAME_LENGTH);
  list.forEach((f, i) => stream.set(f, i * FRAME_LENGTH));
  return { stream, count: list.length, sender: () => fill(make()) };
}

/** Runs the link benchmarks. */
export async function run(): Promise<void> {
  for (const fecfPresent of [true, false]) {
    const { stream, count, sender } = frames(fecfPresent);
    let sink = 0;
    const label = fecfPresent ? 'with FECF' : 'no FECF';
    await bench(
      'link',
      `TM receive ${FRAME_LENGTH}-octet frames, 3 VCs, demux + packet extraction (${label})`,
      () => {
        const rx = new TmReceiver({
          frameLength: FRAME_LENGTH,
          fecfPresent,
          onPacket: (p) => (sink += p.data.length),
        });
        rx.push(stream);
        rx.end();
      },
      { items: count, itemName: 'frames', bytes: stream.length },
      'no JavaScript peer in this repository',
    );
    if (fecfPresent)
      await bench('link', `TM send ${FRAME_LENGTH}-octet frames, 3 VCs (${label})`, sender, {
        items: count,
        itemName: 'frames',
        bytes: stream.length,
      });
    if (sink < 0) console.log(sink);
  }
}
