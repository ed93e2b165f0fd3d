/** Several CFDP entities with user operations (727.0-B-5 §6) on one simulated network, for tests. */
import { SimulatedClock } from 'ccsds/core';
import {
  CfdpEntity,
  type MetadataPdu,
  type Pdu,
  type ReservedMessage,
  decodeReservedMessage,
  type RemoteEntityConfig,
  RemoteOperations,
  decodePdu,
  simpleMib,
} from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { type ChannelModel, SimulatedNetwork } from 'ccsds/transport';
import { runUntil } from './sim.js';

/** One entity of the network. */
export interface SimNode {
  id: bigint;
  entity: CfdpEntity;
  fs: MemoryFileStore;
  ops: RemoteOperations;
  /** Every PDU this entity sent, decoded. */
  sent: Pdu[];
}

/** One PDU an entity handed to its transport. */
export interface SimWire {
  /** Virtual time. */
  t: number;
  from: bigint;
  /** Destination entity (from the address). */
  to: bigint;
  pdu: Pdu;
  /** Removed by the `drop` rule before it reached the link. */
  dropped: boolean;
}

/** The network. */
export interface SimNet {
  clock: SimulatedClock;
  net: SimulatedNetwork;
  nodes: Map<bigint, SimNode>;
  node(id: bigint | number): SimNode;
  /** Every PDU sent by any entity, in order (dropped ones included). */
  wire: SimWire[];
}

/**
 * Builds entities `ids` that all know each other. `grants[to][from]` is the `allowedOperations`
 * entity `to` gives entity `from`.
 */
export function simNet(options: {
  seed?: number;
  ids?: bigint[];
  grants?: Record<string, Record<string, string[]>>;
  link?: ChannelModel;
  remote?: Partial<RemoteEntityConfig>;
  timeoutMs?: number;
  /** Channel of the link between two entities (both directions), over `link`. */
  links?: { between: [number, number]; model: ChannelModel }[];
  /** PDUs for which this holds are dropped before they reach the link. */
  drop?: (w: SimWire) => boolean;
}): SimNet {
  const ids = options.ids ?? [1n, 2n, 3n];
  const clock = new SimulatedClock({ seed: options.seed ?? 1 });
  const net = new SimulatedNetwork(clock, options.link ?? { delayMs: 50 });
  for (const l of options.links ?? []) net.setLink(`e${l.between[0]}`, `e${l.between[1]}`, l.model);
  const nodes = new Map<bigint, SimNode>();
  const wire: SimWire[] = [];
  for (const id of ids) {
    const fs = new MemoryFileStore({ now: () => clock.now() });
    const transport = net.node(`e${id}`);
    const sent: Pdu[] = [];
    const send = transport.send.bind(transport);
    transport.send = (to: string, data: Uint8Array): Promise<void> => {
      const pdu = decodePdu(data);
      sent.push(pdu);
      const w: SimWire = {
        t: clock.now(),
        from: id,
        to: BigInt(to.replace('sim://e', '')),
        pdu,
        dropped: false,
      };
      w.dropped = options.drop?.(w) ?? false;
      wire.push(w);
      return w.dropped ? Promise.resolve() : send(to, data);
    };
    const mib = simpleMib(
      id,
      ids
        .filter((o) => o !== id)
        .map((o) => ({
          keepAliveIntervalMs: 0,
          ackTimerMs: 500,
          nakTimerMs: 500,
          ...options.remote,
          entityId: o,
          address: `sim://e${o}`,
          allowedOperations: options.grants?.[String(id)]?.[String(o)] ?? [],
        })),
    );
    const entity = new CfdpEntity({ mib, transport, filestore: fs, clock });
    const ops = new RemoteOperations(entity, fs, mib, {
      clock,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    nodes.set(id, { id, entity, fs, ops, sent });
  }
  return {
    clock,
    net,
    nodes,
    wire,
    node: (id) => {
      const n = nodes.get(BigInt(id));
      if (n === undefined) throw new Error(`no entity ${id}`);
      return n;
    },
  };
}

/** Runs virtual time until `p` settles; returns its value or throws its error. */
export async function settle<T>(clock: SimulatedClock, p: Promise<T>): Promise<T> {
  let state: { ok: true; v: T } | { ok: false; e: unknown } | undefined;
  p.then(
    (v) => (state = { ok: true, v }),
    (e: unknown) => (state = { ok: false, e }),
  );
  await runUntil(clock, () => state !== undefined);
  if (state === undefined)
    throw new Error('the simulation ran out of work before the promise settled');
  if (!state.ok) throw state.e;
  return state.v;
}

/** Writes a text file (creating nothing else). */
export async function writeText(fs: MemoryFileStore, path: string, text: string): Promise<void> {
  const h = await fs.openWrite(path, { truncate: true });
  await h.write(0, new TextEncoder().encode(text));
  await h.close();
}

/** Reads a text file, or undefined when missing. */
export async function readText(fs: MemoryFileStore, path: string): Promise<string | undefined> {
  const st = await fs.stat(path);
  if (st === undefined) return undefined;
  const h = await fs.openRead(path);
  const d = await h.read(0, st.size);
  await h.close();
  return new TextDecoder().decode(d);
}

/** One transaction seen on the wire: who opened it, what its Metadata carried, when. */
export interface WireTransaction {
  key: string;
  from: bigint;
  to: bigint;
  metadata: MetadataPdu;
  messages: ReservedMessage[];
  /** Virtual time its first Metadata was sent. */
  at: number;
  /** Virtual time the first Finished of it was sent (either side), if any. */
  finishedAt: number | undefined;
}

/** The transactions on the wire, in the order their first Metadata went out. */
export function wireTransactions(s: SimNet): WireTransaction[] {
  const out = new Map<string, WireTransaction>();
  for (const w of s.wire) {
    const h = w.pdu.header;
    const key = `${h.sourceEntityId}:${h.transactionSequenceNumber}`;
    if (w.pdu.kind === 'metadata' && !out.has(key)) {
      out.set(key, {
        key,
        from: w.from,
        to: w.to,
        metadata: w.pdu,
        messages: w.pdu.options.flatMap((o) => {
          if (o.kind !== 'messageToUser') return [];
          const m = decodeReservedMessage(o.message);
          return m === undefined ? [] : [m];
        }),
        at: w.t,
        finishedAt: undefined,
      });
    }
    const t = out.get(key);
    if (w.pdu.kind === 'finished' && t !== undefined && t.finishedAt === undefined)
      t.finishedAt = w.t;
  }
  return [...out.values()];
}
