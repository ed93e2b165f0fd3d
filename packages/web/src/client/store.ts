/** The client's live state: transfers, links and packets, with change listeners. */
import type { Link, LiveMessage, Remote, Transfer } from './api.js';

/** A packet as received over the live socket. */
export interface LivePacket {
  /** Arrival order in this browser. */
  n: number;
  source: string;
  t: number;
  bytes: Uint8Array;
}

/** Packets kept in the browser. */
export const MAX_PACKETS = 5000;

type Topic = 'transfers' | 'links' | 'packets' | 'hello';

function unbase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** See the module comment. */
export class Store {
  readonly transfers = new Map<string, Transfer>();
  links: Link[] = [];
  remotes: Remote[] = [];
  entityId = '';
  packets: LivePacket[] = [];
  /** Packets the server left out of the live view (too many at once). */
  droppedPackets = 0;
  private n = 0;
  private readonly listeners = new Map<Topic, Set<(data?: unknown) => void>>();

  /** Subscribes; returns the unsubscribe function. */
  on(topic: Topic, f: (data?: unknown) => void): () => void {
    let s = this.listeners.get(topic);
    if (s === undefined) this.listeners.set(topic, (s = new Set()));
    s.add(f);
    return () => s.delete(f);
  }

  private emit(topic: Topic, data?: unknown): void {
    for (const f of this.listeners.get(topic) ?? []) f(data);
  }

  /** Applies one live message. */
  apply(m: LiveMessage): void {
    switch (m.type) {
      case 'hello':
        this.entityId = m.entityId;
        this.remotes = m.remotes;
        this.transfers.clear();
        for (const t of m.transfers) this.transfers.set(t.id, t);
        this.links = m.links;
        this.emit('hello');
        this.emit('transfers');
        this.emit('links');
        break;
      case 'transfer':
        this.transfers.set(m.transfer.id, m.transfer);
        this.emit('transfers', m.transfer);
        break;
      case 'links':
        this.links = m.links;
        this.emit('links');
        break;
      case 'packets': {
        const fresh = m.packets.map((p) => ({
          n: ++this.n,
          source: p.s,
          t: p.t,
          bytes: unbase64(p.b),
        }));
        this.packets.push(...fresh);
        if (this.packets.length > MAX_PACKETS)
          this.packets.splice(0, this.packets.length - MAX_PACKETS);
        this.droppedPackets += m.dropped;
        this.emit('packets', fresh);
        break;
      }
    }
  }
}

/** The one store of the page. */
export const store = new Store();
