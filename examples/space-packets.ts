/**
 * Space Packets in a few lines: encode, decode, read a chunked stream with garbage in it, and
 * validate sequence counts. Run: `npx tsx --conditions=ccsds-source examples/space-packets.ts`.
 */
import {
  SequenceCounter,
  SpacePacketReader,
  decodeSpacePacket,
  encodeSpacePacket,
  validateSpacePackets,
} from 'ccsds/spp';

const counter = new SequenceCounter();
const packets = [100, 200, 100, 100].map((apid, i) =>
  encodeSpacePacket({
    apid,
    packetSequenceCount: counter.take(apid),
    secondaryHeader: new Uint8Array([0x40, 0, 0, i]),
    userData: new TextEncoder().encode(`reading ${i}`),
    packetErrorControl: true,
  }),
);

const one = decodeSpacePacket(packets[0]!, { packetErrorControl: true });
console.log(
  'APID',
  one.header.apid,
  'count',
  one.header.packetSequenceCount,
  'data',
  one.packetDataField.length,
  'octets',
);

// A downlink: the packets with garbage between them, arriving in 5-octet chunks.
const garbage = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
const stream = new Uint8Array([...packets[0]!, ...garbage, ...packets[1]!, ...packets[3]!]);
const reader = new SpacePacketReader(
  (p) => console.log(`packet APID ${p.header.apid} at offset ${p.offset}`),
  (s) => console.log(`skipped ${s.end - s.start} octets at ${s.start} (${s.reason})`),
  { validApids: [100, 200], packetErrorControl: true },
);
for (let o = 0; o < stream.length; o += 5) reader.push(stream.subarray(o, o + 5));
reader.end();

const report = validateSpacePackets(stream, { validApids: [100, 200], packetErrorControl: true });
for (const e of report.events) console.log(`APID ${e.apid}: ${e.status}, ${e.missing} missing`);
