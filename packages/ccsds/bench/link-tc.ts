/**
 * TC frame and COP-1 benchmarks (232.0-B-4, 232.1-B-2): encoding and decoding of 1024-octet
 * and 64-octet TC frames with FECF, MAP segmentation plus reassembly of 10 kB packets, and
 * FOP-1 driving FARM-1 over a perfect in-memory link (frames through the state machines,
 * a CLCW after every 8 frames). No peer runs here.
 */
import { SeededRandom, SimulatedClock } from '../src/core/index.js';
import {
  Farm1,
  Fop1,
  MapPacketReassembler,
  decodeTcFrame,
  encodeTcFrame,
  segmentMapPackets,
  tcDataFieldCapacity,
} from '../src/link/index.js';
import { encodeSpacePacket } from '../src/spp/index.js';
import { bench } from './harness.js';

const PEER = 'none measured for TC frames / COP-1 here';

/** Runs the TC and COP-1 benchmarks. */
export async function run(): Promise<void> {
  const rng = new SeededRandom(1);
  for (const size of [1024, 64]) {
    const n = 1000;
    const data = Array.from({ length: n }, () => rng.bytes(size - 8));
    const frames = data.map((d, i) =>
      encodeTcFrame({
        spacecraftId: 435,
        virtualChannelId: 21,
        frameSequenceNumber: i & 0xff,
        segmentHeader: { sequenceFlags: 3, mapId: 1 },
        dataField: d,
      }),
    );
    const work = { items: n, itemName: 'frames', bytes: n * size };
    await bench(
      'link-tc',
      `encode ${n} TC frames of ${size} octets (segment header, FECF)`,
      () => {
        let k = 0;
        for (let i = 0; i < n; i++) {
          k += encodeTcFrame({
            spacecraftId: 435,
            virtualChannelId: 21,
            frameSequenceNumber: i & 0xff,
            segmentHeader: { sequenceFlags: 3, mapId: 1 },
            dataField: data[i]!,
          }).length;
        }
        return k;
      },
      work,
      PEER,
    );
    await bench(
      'link-tc',
      `decode ${n} TC frames of ${size} octets (FECF checked)`,
      () => {
        let k = 0;
        for (const f of frames)
          k += decodeTcFrame(f, { segmentHeaderPresent: true }).dataField.length;
        return k;
      },
      work,
      PEER,
    );
  }

  const packets = Array.from({ length: 100 }, (_, i) =>
    encodeSpacePacket({ apid: 1 + (i % 20), packetType: 1, userData: rng.bytes(10_000) }),
  );
  const octets = packets.reduce((a, p) => a + p.length, 0);
  const maxDataLength = tcDataFieldCapacity();
  await bench(
    'link-tc',
    'segment 100 packets of 10 kB into frames, decode and reassemble',
    () => {
      const r = new MapPacketReassembler();
      let k = 0;
      let fsn = 0;
      for (const u of segmentMapPackets(packets, { mapId: 3, maxDataLength })) {
        const b = encodeTcFrame({
          spacecraftId: 435,
          virtualChannelId: 21,
          frameSequenceNumber: fsn++ & 0xff,
          segmentHeader: u.segmentHeader,
          dataField: u.data,
        });
        const f = decodeTcFrame(b, { segmentHeaderPresent: true });
        k += r.push(f.segmentHeader, f.dataField).length;
      }
      return k;
    },
    { items: packets.length, itemName: 'packets', bytes: octets },
    PEER,
  );

  const fdus = 2000;
  const payload = rng.bytes(1000);
  await bench(
    'link-tc',
    `FOP-1 -> FARM-1, ${fdus} AD frames of 1008 octets, window 16, CLCW every 8 frames`,
    () => {
      const clock = new SimulatedClock();
      const fop = new Fop1({
        clock,
        spacecraftId: 435,
        virtualChannelId: 21,
        slidingWindowWidth: 16,
      });
      const farm = new Farm1({ virtualChannelId: 21, slidingWindowWidth: 32 });
      let sent = 0;
      let confirmed = 0;
      fop.on('transmit', (e) => {
        farm.receiveFrame(e.frame);
        if (++sent % 8 === 0) clock.setTimer(0, () => fop.receiveClcw(farm.clcw()));
      });
      let next = 0;
      fop.on('fdu', (e) => {
        if (e.response === 'accept' && next < fdus) {
          next++;
          fop.transmitAd(payload);
        } else if (e.response === 'positive-confirm') confirmed++;
      });
      fop.initiateAdWithoutClcwCheck();
      next++;
      fop.transmitAd(payload);
      clock.runUntilCondition(() => confirmed === fdus);
      return confirmed;
    },
    { items: fdus, itemName: 'frames', bytes: fdus * 1008 },
    PEER,
  );
}
