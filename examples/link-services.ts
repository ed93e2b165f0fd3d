/**
 * The data link services besides packets: the AOS Bitstream service (B_PDU), Virtual Channel
 * Access on AOS and TM, and USLP frames with the 4-octet FECF (CCSDS CRC-32).
 * Run: npx tsx --conditions=ccsds-source examples/link-services.ts
 */
import { AosReceiver, AosSender, TmReceiver, TmSender, UslpReceiver, UslpSender } from 'ccsds/link';
import { encodeSpacePacket } from 'ccsds/spp';

// AOS: a bitstream VC and a VCA VC on one master channel.
const aos = new AosSender({
  spacecraftId: 167,
  frameLength: 892,
  fhecPresent: true,
  fecfPresent: true,
  virtualChannels: [
    { virtualChannelId: 20, userDataType: 'B_PDU', bitstreamIdlePattern: 0xff },
    { virtualChannelId: 30, userDataType: 'VCA' },
  ],
});
aos.sendBitstream(20, new Uint8Array(1000).fill(0xa5), 7999); // any number of bits
aos.sendAccess(30, new Uint8Array(aos.accessSduLength(30)).fill(7)); // exactly one data field
const aosRx = new AosReceiver({
  frameLength: 892,
  fhecPresent: true,
  fecfPresent: true,
  virtualChannels: { 20: { userDataType: 'B_PDU' }, 30: { userDataType: 'VCA' } },
  onAccessData: (d) =>
    console.log(
      `AOS vc ${d.virtualChannelId} ${d.userDataType}: ${d.validBits} bits, continuous ${d.continuous}`,
    ),
});
for (const frame of aos.flush()) aosRx.pushFrame(frame); // 7040 bits, 959 bits + fill, one SDU

// TM: a VCA virtual channel (synchronisation flag 1, 3 bits of VCA status fields).
const tm = new TmSender({
  spacecraftId: 42,
  frameLength: 1115,
  fecfPresent: true,
  virtualChannels: [{ virtualChannelId: 3, service: 'vca' }],
});
tm.sendAccess(3, new Uint8Array(tm.accessSduLength(3)), 0b101);
const tmRx = new TmReceiver({
  frameLength: 1115,
  fecfPresent: true,
  onAccessData: (d) =>
    console.log(
      `TM vc ${d.virtualChannelId} VCA_SDU: ${d.data.length} octets, status ${d.statusFields}`,
    ),
});
for (const frame of tm.flush()) tmRx.pushFrame(frame);

// USLP with a 4-octet FECF on both ends.
const uslp = new UslpSender({
  spacecraftId: 0xbeef,
  frameType: 'variable',
  frameLength: 512,
  fecfPresent: true,
  fecfLength: 4,
  channels: [{ virtualChannelId: 1 }],
});
uslp.send(1, 0, encodeSpacePacket({ apid: 5, userData: new Uint8Array(100) }));
const uslpRx = new UslpReceiver({
  frameType: 'variable',
  fecfPresent: true,
  fecfLength: 4,
  onPacket: (p) => console.log(`USLP vc ${p.virtualChannelId}: packet of ${p.data.length} octets`),
});
for (const frame of uslp.flush()) uslpRx.pushFrame(frame);
console.log('USLP bad CRC:', uslpRx.counters.badCrc);
