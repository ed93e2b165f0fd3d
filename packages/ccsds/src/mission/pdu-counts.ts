/**
 * Counts of CFDP PDUs by kind (CCSDS 727.0-B-5 section 5: file data, and the file directives by
 * their directive code), read off the Space Packets that carry them, for the mission's per-layer
 * figures (how many NAKs did the lossy link cost?).
 */

/** CFDP PDUs sent by one entity, by kind. */
export interface PduCounts {
  metadata: number;
  fileData: number;
  eof: number;
  finished: number;
  ack: number;
  nak: number;
  prompt: number;
  keepAlive: number;
}

/** All-zero counts. */
export function newPduCounts(): PduCounts {
  return { metadata: 0, fileData: 0, eof: 0, finished: 0, ack: 0, nak: 0, prompt: 0, keepAlive: 0 };
}

const DIRECTIVES: Readonly<Record<number, keyof PduCounts>> = {
  0x04: 'eof',
  0x05: 'finished',
  0x06: 'ack',
  0x07: 'metadata',
  0x08: 'nak',
  0x09: 'prompt',
  0x0c: 'keepAlive',
};

/**
 * Counts the CFDP PDU in `packet` (a Space Packet without secondary header whose data field is
 * one PDU). Packets too short to hold a PDU header are not counted.
 */
export function countPdu(counts: PduCounts, packet: Uint8Array): void {
  const pdu = packet.subarray(6);
  if (pdu.length < 4) return;
  if ((pdu[0]! & 0x10) !== 0) {
    counts.fileData++;
    return;
  }
  const headerLength = 4 + 2 * (((pdu[3]! >> 4) & 7) + 1) + ((pdu[3]! & 7) + 1);
  const kind = DIRECTIVES[pdu[headerLength] ?? -1];
  if (kind !== undefined) counts[kind]++;
}
