/**
 * Link-layer benchmarks: TM receiving (FECF check, master/virtual channel demultiplexing, frame
 * count checks and packet extraction) over 1,115-octet frames carrying a mix of Space and
 * Encapsulation Packets on three virtual channels, in frames/s and bit/s; and the TM sender
 * producing those frames. Also the AOS Bitstream service (B_PDU send and receive, bitstream data
 * of odd bit lengths so the bit copy is not octet-aligned) and USLP fixed-length frames checked
 * with the 2-octet and the 4-octet FECF (CRC-16 against CCSDS CRC-32).
 */
import { SeededRandom } from '../src/core/index.js';
import { encodeEncapsulationPacket } from '../src/epp/index.js';
import {
  AosReceiver,
  AosSender,
  TmReceiver,
  TmSender,
  UslpReceiver,
  UslpSender,
} from '../src/link/index.js';
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
  await bitstream();
  for (const fecfLength of [2, 4] as const) await uslpFecf(fecfLength);
}

async function bitstream(): Promise<void> {
  const rng = new SeededRandom(11);
  const chunks = Array.from({ length: 2000 }, () => rng.bytes(200 + rng.nextInt(800)));
  const bits = chunks.map((c) => c.length * 8 - 1 - rng.nextInt(7)); // odd lengths: unaligned
  const total = bits.reduce((a, b) => a + b, 0);
  const format = { frameLength: FRAME_LENGTH, fhecPresent: true, fecfPresent: true } as const;
  const send = (): Uint8Array[] => {
    const tx = new AosSender({
      spacecraftId: 42,
      ...format,
      virtualChannels: [{ virtualChannelId: 1, userDataType: 'B_PDU' }],
    });
    chunks.forEach((c, i) => tx.sendBitstream(1, c, bits[i]));
    return tx.flush();
  };
  const list = send();
  const stream = new Uint8Array(list.length * FRAME_LENGTH);
  list.forEach((f, i) => stream.set(f, i * FRAME_LENGTH));
  const work = { items: list.length, itemName: 'frames', bytes: total / 8 };
  await bench(
    'link',
    `AOS B_PDU send ${FRAME_LENGTH}-octet frames, unaligned bitstream (user bits)`,
    send,
    work,
  );
  let validBits = 0;
  await bench(
    'link',
    `AOS B_PDU receive ${FRAME_LENGTH}-octet frames, FHEC + FECF (user bits)`,
    () => {
      const rx = new AosReceiver({
        ...format,
        virtualChannels: { 1: { userDataType: 'B_PDU' } },
        onAccessData: (d) => (validBits += d.validBits),
      });
      rx.push(stream);
      rx.end();
    },
    work,
  );
  if (validBits < 0) console.log(validBits);
}

async function uslpFecf(fecfLength: 2 | 4): Promise<void> {
  const tx = new UslpSender({
    spacecraftId: 42,
    frameType: 'fixed',
    frameLength: FRAME_LENGTH,
    fecfPresent: true,
    fecfLength,
    channels: [{ virtualChannelId: 1 }],
  });
  for (const p of packets(3000, 9)) tx.send(1, 0, p);
  const list = tx.flush();
  const stream = new Uint8Array(list.length * FRAME_LENGTH);
  list.forEach((f, i) => stream.set(f, i * FRAME_LENGTH));
  let sink = 0;
  await bench(
    'link',
    `USLP receive ${FRAME_LENGTH}-octet fixed frames, packet extraction, ${fecfLength}-octet FECF`,
    () => {
      const rx = new UslpReceiver({
        frameType: 'fixed',
        frameLength: FRAME_LENGTH,
        fecfPresent: true,
        fecfLength,
        onPacket: (p) => (sink += p.data.length),
      });
      rx.push(stream);
      rx.end();
    },
    { items: list.length, itemName: 'frames', bytes: stream.length },
  );
  if (sink < 0) console.log(sink);
}
