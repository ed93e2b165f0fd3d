/**
 * Test bench for the CFDP conformance series (after CCSDS 720.4-Y-1, the notebook of common
 * inter-agency tests for the core procedures): two entities on a simulated link in virtual time,
 * every PDU each of them hands to its transport decoded and logged (with the option to drop
 * chosen ones before they reach the link), every PDU delivered to them logged, and every
 * indication they emit recorded.
 *
 * Entity 1 ("a") is the file sender of most tests, entity 2 ("b") the receiver.
 */
import assert from 'node:assert/strict';
import { SeededRandom, SimulatedClock, toHex } from 'ccsds/core';
import {
  CfdpEntity,
  type CfdpEvents,
  type LocalEntityConfig,
  type Pdu,
  type PutRequest,
  type RemoteEntityConfig,
  type TransactionId,
  decodePdu,
  simpleMib,
} from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { type ChannelModel, SimulatedNetwork, type Transport } from 'ccsds/transport';

export type Side = 'a' | 'b';

/** Short names of PDU kinds, with ACKs told apart by what they acknowledge. */
export type Label =
  | 'metadata'
  | 'fd'
  | 'eof'
  | 'finished'
  | 'ack-eof'
  | 'ack-fin'
  | 'nak'
  | 'prompt'
  | 'keepalive'
  | 'undecodable';

export function labelOf(p: Pdu | undefined): Label {
  if (p === undefined) return 'undecodable';
  switch (p.kind) {
    case 'metadata':
      return 'metadata';
    case 'fileData':
      return 'fd';
    case 'eof':
      return 'eof';
    case 'finished':
      return 'finished';
    case 'ack':
      return p.ackedDirectiveCode === 4 ? 'ack-eof' : 'ack-fin';
    case 'nak':
      return 'nak';
    case 'prompt':
      return 'prompt';
    case 'keepAlive':
      return 'keepalive';
  }
}

/** One PDU as an entity handed it to its transport (or as a transport delivered it). */
export interface WireRecord {
  /** Virtual time. */
  t: number;
  /** Sending side ('a' or 'b') or the name of a forging node. */
  from: string;
  label: Label;
  pdu: Pdu | undefined;
  bytes: Uint8Array;
  /** Removed by a drop rule before it reached the link. */
  dropped: boolean;
  /** 1-based count of PDUs with this label sent by this side so far (this one included). */
  nth: number;
}

/** Decides whether a PDU about to be sent is dropped. */
export type DropRule = (w: WireRecord) => boolean;

export interface IndicationRecord {
  t: number;
  side: Side;
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  e: any;
}

type Finished = CfdpEvents['transactionFinished'][0];

/** The end of a transaction at one side: Transaction-Finished or Abandoned. */
export type Outcome =
  | { kind: 'finished'; t: number; e: Finished }
  | { kind: 'abandoned'; t: number; e: CfdpEvents['abandoned'][0] };

export interface BenchOptions {
  seed?: number;
  /** Both directions (overridden by `ab` / `ba`). */
  link?: ChannelModel;
  ab?: ChannelModel;
  ba?: ChannelModel;
  /** Remote settings in both MIBs. */
  remote?: Partial<RemoteEntityConfig>;
  /** a's settings for b (sender side of most tests), on top of `remote`. */
  remoteA?: Partial<RemoteEntityConfig>;
  /** b's settings for a (receiver side of most tests), on top of `remote`. */
  remoteB?: Partial<RemoteEntityConfig>;
  localA?: Partial<LocalEntityConfig>;
  localB?: Partial<LocalEntityConfig>;
}

const RECORDED = [
  'transaction',
  'eofSent',
  'transactionFinished',
  'metadataRecv',
  'report',
  'suspended',
  'resumed',
  'fault',
  'abandoned',
  'eofRecv',
  'pduError',
] as const;

/** Quiet defaults: no keep alives, short timers. Tests override what they exercise. */
export const QUIET: Partial<RemoteEntityConfig> = {
  keepAliveIntervalMs: 0,
  ackTimerMs: 1000,
  nakTimerMs: 1000,
  inactivityTimerMs: 60_000,
};

export class Bench {
  readonly clock: SimulatedClock;
  readonly net: SimulatedNetwork;
  readonly a: CfdpEntity;
  readonly b: CfdpEntity;
  readonly fsA: MemoryFileStore;
  readonly fsB: MemoryFileStore;
  /** Every PDU handed to a transport by a or b (dropped ones included), in order. */
  readonly wire: WireRecord[] = [];
  /** Every PDU delivered to a or b by the link, in order. */
  readonly arrivals: { t: number; to: Side; label: Label; pdu: Pdu | undefined }[] = [];
  readonly indications: IndicationRecord[] = [];
  readonly outcomes: { a: Outcome[]; b: Outcome[] } = { a: [], b: [] };
  private readonly rules: { side: string; rule: DropRule }[] = [];
  private readonly counts = new Map<string, number>();

  constructor(o: BenchOptions = {}) {
    this.clock = new SimulatedClock({ seed: o.seed ?? 1 });
    this.net = new SimulatedNetwork(this.clock);
    this.net.setChannel('a', 'b', o.ab ?? o.link ?? {});
    this.net.setChannel('b', 'a', o.ba ?? o.link ?? {});
    this.fsA = new MemoryFileStore({ now: () => this.clock.now() });
    this.fsB = new MemoryFileStore({ now: () => this.clock.now() });
    const mibA = simpleMib(1n, [
      { entityId: 2n, address: 'sim://b', ...QUIET, ...o.remote, ...o.remoteA },
    ]);
    const mibB = simpleMib(2n, [
      { entityId: 1n, address: 'sim://a', ...QUIET, ...o.remote, ...o.remoteB },
    ]);
    Object.assign(mibA.local, o.localA ?? {});
    Object.assign(mibB.local, o.localB ?? {});
    this.a = new CfdpEntity({
      mib: mibA,
      transport: this.tap('a'),
      filestore: this.fsA,
      clock: this.clock,
    });
    this.b = new CfdpEntity({
      mib: mibB,
      transport: this.tap('b'),
      filestore: this.fsB,
      clock: this.clock,
    });
    for (const side of ['a', 'b'] as const) {
      const ent = side === 'a' ? this.a : this.b;
      for (const name of RECORDED) {
        ent.events.on(name, (e: unknown) =>
          this.indications.push({ t: this.clock.now(), side, name, e }),
        );
      }
      ent.events.on('transactionFinished', (e) =>
        this.outcomes[side].push({ kind: 'finished', t: this.clock.now(), e }),
      );
      ent.events.on('abandoned', (e) =>
        this.outcomes[side].push({ kind: 'abandoned', t: this.clock.now(), e }),
      );
    }
  }

  /** A node's transport, wrapped so that sends are logged and may be dropped. */
  private tap(side: Side): Transport {
    const node = this.net.node(side);
    node.events.on('message', (d) => {
      const pdu = tryDecode(d);
      this.arrivals.push({ t: this.clock.now(), to: side, label: labelOf(pdu), pdu });
    });
    return {
      address: node.address,
      maxMessageLength: node.maxMessageLength,
      events: node.events,
      send: (to: string, data: Uint8Array) => {
        const rec = this.record(side, data);
        if (rec.dropped) return Promise.resolve();
        return node.send(to, data);
      },
      close: () => node.close(),
    };
  }

  private record(from: string, data: Uint8Array): WireRecord {
    const pdu = tryDecode(data);
    const label = labelOf(pdu);
    const k = `${from}:${label}`;
    const nth = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, nth);
    const rec: WireRecord = {
      t: this.clock.now(),
      from,
      label,
      pdu,
      bytes: data.slice(),
      dropped: false,
      nth,
    };
    rec.dropped = this.rules.some((r) => r.side === from && r.rule(rec));
    this.wire.push(rec);
    return rec;
  }

  /** Drops PDUs sent by `side` for which `rule` holds. */
  dropWhen(side: Side, rule: DropRule): this {
    this.rules.push({ side, rule });
    return this;
  }

  /** Drops the `which`-th PDUs (1-based) with this label sent by `side`. */
  drop(side: Side, label: Label, which: number[] | 'all' = [1]): this {
    return this.dropWhen(
      side,
      (w) => w.label === label && (which === 'all' || which.includes(w.nth)),
    );
  }

  /** A node that can inject forged octets to a or b (logged under its name). */
  forger(name = 'forger'): (to: Side, bytes: Uint8Array) => Promise<void> {
    const node = this.net.node(name);
    return (to, bytes) => {
      this.record(name, bytes);
      return node.send(`sim://${to}`, bytes);
    };
  }

  /** PDUs sent by `side` with `label` (dropped ones included unless `onlyDelivered`). */
  sent(side: string, label?: Label, onlyDelivered = false): WireRecord[] {
    return this.wire.filter(
      (w) =>
        w.from === side &&
        (label === undefined || w.label === label) &&
        (!onlyDelivered || !w.dropped),
    );
  }

  /** Names of indications emitted by `side`, in order. */
  names(side: Side): string[] {
    return this.indications.filter((i) => i.side === side).map((i) => i.name);
  }

  ind(side: Side, name: string): IndicationRecord[] {
    return this.indications.filter((i) => i.side === side && i.name === name);
  }

  /** Writes a seeded random file into a's (or b's) store. */
  async file(path: string, size: number, seed = 1, side: Side = 'a'): Promise<Uint8Array> {
    const fs = side === 'a' ? this.fsA : this.fsB;
    const data = new SeededRandom(seed).bytes(size);
    const h = await fs.openWrite(path, { truncate: true });
    for (let o = 0; o < size; o += 1 << 20) await h.write(o, data.subarray(o, o + (1 << 20)));
    await h.close();
    return data;
  }

  async read(path: string, side: Side = 'b'): Promise<Uint8Array | undefined> {
    const fs = side === 'a' ? this.fsA : this.fsB;
    const st = await fs.stat(path);
    if (st === undefined) return undefined;
    const h = await fs.openRead(path);
    const d = await h.read(0, st.size);
    await h.close();
    return d;
  }

  /** Names of the visible entries of a store's root (temporary files are hidden). */
  async listing(side: Side = 'b'): Promise<string[]> {
    const fs = side === 'a' ? this.fsA : this.fsB;
    return (await fs.list('')).map((e) => e.name).filter((n) => !n.startsWith('.'));
  }

  put(req: Omit<PutRequest, 'destinationEntityId'>, from: Side = 'a'): Promise<TransactionId> {
    const ent = from === 'a' ? this.a : this.b;
    return ent.put({ destinationEntityId: from === 'a' ? 2n : 1n, ...req });
  }

  /** Runs virtual time until `done()` (or nothing is left to do). */
  async run(done: () => boolean, maxSteps = 2_000_000): Promise<boolean> {
    for (let i = 0; i < maxSteps; i++) {
      await tick();
      if (done()) return true;
      if (!this.clock.step()) {
        await tick();
        return done();
      }
    }
    return done();
  }

  /** Runs until both sides have an outcome; fails the test if they do not get one. */
  async settle(maxSteps?: number): Promise<{ a: Outcome; b: Outcome }> {
    await this.run(() => this.outcomes.a.length > 0 && this.outcomes.b.length > 0, maxSteps);
    assert.ok(this.outcomes.a.length > 0, `sender has no outcome by t=${this.clock.now()}`);
    assert.ok(this.outcomes.b.length > 0, `receiver has no outcome by t=${this.clock.now()}`);
    return { a: this.outcomes.a[0]!, b: this.outcomes.b[0]! };
  }

  /** Runs virtual time up to `time` exactly. */
  async runTo(time: number): Promise<void> {
    for (;;) {
      await tick();
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > time) {
        this.clock.runUntil(time);
        await tick();
        return;
      }
      this.clock.step();
    }
  }

  /** Runs until no timer is left (the simulation is quiet); returns false if it never is. */
  async drain(maxSteps = 100_000): Promise<boolean> {
    for (let i = 0; i < maxSteps; i++) {
      await tick();
      if (!this.clock.step()) {
        await tick();
        if (this.clock.nextTimerAt() === undefined) return true;
      }
    }
    return false;
  }
}

function tick(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}

function tryDecode(d: Uint8Array): Pdu | undefined {
  try {
    return decodePdu(d);
  } catch {
    return undefined;
  }
}

/** The Transaction-Finished indication of an outcome (fails when it was abandoned). */
export function finished(o: Outcome): Finished {
  assert.equal(o.kind, 'finished', `expected Transaction-Finished, got ${o.kind}`);
  return o.e as Finished;
}

/** Asserts two byte arrays are equal without printing megabytes. */
export function sameBytes(got: Uint8Array | undefined, want: Uint8Array, what = 'file'): void {
  assert.ok(got !== undefined, `${what}: missing`);
  if (got.length === want.length && Buffer.compare(got, want) === 0) return;
  let i = 0;
  while (i < Math.min(got.length, want.length) && got[i] === want[i]) i++;
  assert.fail(
    `${what}: ${got.length} octets vs ${want.length} expected; first difference at ${i}: ` +
      `${toHex(got.subarray(i, i + 8))} vs ${toHex(want.subarray(i, i + 8))}`,
  );
}

/** Merges [start, end) ranges. */
export function merge(r: [number, number][]): [number, number][] {
  const s = [...r].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last !== undefined && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
    else out.push([x[0], x[1]]);
  }
  return out;
}

/** The segment requests of a NAK as numbers. */
export function requests(p: Pdu | undefined): [number, number][] {
  assert.ok(p?.kind === 'nak', 'a NAK');
  return p.segmentRequests.map(([s, e]) => [Number(s), Number(e)]);
}
