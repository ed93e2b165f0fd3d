/**
 * The Links page's view of the links the console knows: the CFDP transport (UDP by default) and
 * each packet source, with frame/packet counters (good, corrected, lost), the COP-1 state where
 * a link has one, and whether the operator has it enabled.
 */
import type { Station } from './station.js';
import type { PacketSource } from './packets.js';

/** One link as the console shows it. */
export interface LinkStatus {
  /** `cfdp` or `source:<name>`. */
  id: string;
  kind: string;
  address: string;
  enabled: boolean;
  state: string;
  /** Units counted (`PDUs`, `packets`). */
  unit: string;
  good: number;
  /** Corrected by FEC (none of these links has coding: always 0). */
  corrected: number;
  /** Lost (sequence gaps) or rejected (undecodable). */
  lost: number;
  /** Sent (CFDP) — undefined for receive-only links. */
  sent: number | undefined;
  octetsIn: number;
  droppedWhileDisabled: number;
  /** COP-1 state, or why there is none. */
  cop1: string;
  lastActivityAt: number | undefined;
}

/** The links of a console, in display order. */
export function linkStatuses(
  station: Station,
  sources: readonly PacketSource[],
  lastCfdpAt: number | undefined,
): LinkStatus[] {
  const g = station.transport.counters;
  const e = station.entity.counters;
  const out: LinkStatus[] = [
    {
      id: 'cfdp',
      kind: `CFDP entity ${station.entityId} transport`,
      address: station.transport.address,
      enabled: station.transport.enabled,
      state: station.transport.enabled ? 'up' : 'disabled by operator',
      unit: 'PDUs',
      good: Math.max(0, e.pdusReceived - e.pduErrors),
      corrected: 0,
      lost: e.pduErrors + e.fileDataDropped,
      sent: e.pdusSent,
      octetsIn: g.octetsReceived,
      droppedWhileDisabled: g.droppedWhileDisabled,
      cop1: 'none (datagram link, no TC frames)',
      lastActivityAt: lastCfdpAt,
    },
  ];
  for (const s of sources) {
    const st = s.status;
    out.push({
      id: `source:${st.name}`,
      kind: `packet source ${st.name}`,
      address: st.url,
      enabled: st.enabled,
      state: st.enabled ? st.state : 'disabled by operator',
      unit: 'packets',
      good: st.packets,
      corrected: 0,
      lost: st.lostPackets,
      sent: undefined,
      octetsIn: st.octets,
      droppedWhileDisabled: st.droppedWhileDisabled,
      cop1: 'none (Space Packets without frames)',
      lastActivityAt: st.lastPacketAt,
    });
  }
  return out;
}
