/**
 * The bundle protocol agent (RFC 9171 §5) for `ipn` nodes: application registrations,
 * bundle origination, reception, local delivery (with reassembly of fragments), forwarding
 * over convergence layers by static routes (next hop by destination node), a store that keeps
 * every bundle not yet forwarded or delivered (through {@link BundleStore}; the Node journal is
 * `DirectoryBundleStore` in `ccsds/bp/node`) until it is sent or its lifetime ends, a contact
 * plan (link up/down times) so bundles wait for the next contact, hop limits, bundle age,
 * previous node, extension blocks kept or dropped by their flags (§4.2.4), and status reports
 * on request (§6.1.1). Bundles originated here get creation timestamps that are never reused,
 * also across restarts and clock steps (see `creation-timestamp.ts`). Every timer goes through the injected `Clock`; DTN time is
 * `clock.now()` minus the DTN epoch.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  type TimerId,
  TypedEmitter,
} from '../core/index.js';
import { type AdminRecord, StatusReason, createStatusReport, decodeAdminRecord } from './admin.js';
import {
  BlockFlags,
  BlockType,
  type Bundle,
  type BundleDecodeOptions,
  BundleFlags,
  type BundleInit,
  type CanonicalBlock,
  CrcType,
  DTN_EPOCH_UNIX_MS,
  bundleAgeOf,
  bundleKey,
  bundlePayload,
  createBundle,
  decodeBundle,
  encodeBundle,
  encodeBundleAgeData,
  encodeHopCountData,
  encodePreviousNodeData,
  hopCountOf,
  withExtensionBlock,
} from './bundle.js';
import { BpsecStatusReason, type SecurityKey, verifyBib } from './bpsec.js';
import type { ConvergenceLayer } from './cla.js';
import { type Eid, type IpnEid, formatEid, parseEid } from './eid.js';
import { BufferPool } from './buffer-pool.js';
import { DeliveredMemory } from './delivered-memory.js';
import { BundleReassembler, fragmentBundle } from './fragment.js';
import { type CreationTimestamps, creationTimestampsFor } from './creation-timestamp.js';

/** Persistent storage of bundles awaiting forwarding or delivery. */
export interface BundleStore {
  /** Stores (or replaces) a bundle under `id`, with the local time it was received. */
  put(id: string, bundle: Uint8Array, receivedAt: number): void;
  delete(id: string): void;
  /** Every stored bundle. */
  load(): Iterable<{ id: string; bundle: Uint8Array; receivedAt: number }>;
  /** Optional: writes what is pending and releases files; called by {@link BundleAgent.close}. */
  close?(): void;
}

/** A store in memory (lost on restart). */
export class MemoryBundleStore implements BundleStore {
  private readonly items = new Map<
    string,
    { id: string; bundle: Uint8Array; receivedAt: number }
  >();
  put(id: string, bundle: Uint8Array, receivedAt: number): void {
    this.items.set(id, { id, bundle, receivedAt });
  }
  delete(id: string): void {
    this.items.delete(id);
  }
  load(): Iterable<{ id: string; bundle: Uint8Array; receivedAt: number }> {
    return [...this.items.values()];
  }
  /** Number of stored bundles. */
  get size(): number {
    return this.items.size;
  }
}

/** A link's availability: the next hop at `address` is reachable during `[start, end)` (clock ms). */
export interface Contact {
  address: string;
  start: number;
  end: number;
}

/** A static route: bundles for node `node` go to the next hop at `address`. */
export interface Route {
  node: number;
  /** Convergence-layer address of the next hop, e.g. `udp://127.0.0.1:4557`. */
  address: string;
}

/** Options of {@link BundleAgent}. */
export interface BundleAgentOptions {
  /** This node's `ipn` node number. */
  node: number;
  clock: Clock;
  /** Convergence layers; a route's address picks the one whose protocol is its scheme. */
  clas?: ConvergenceLayer[];
  routes?: Route[];
  /** Route for nodes without a route of their own. */
  defaultRoute?: string;
  contacts?: Contact[];
  /**
   * Where bundles are kept across restarts (default none: the agent holds them in memory only,
   * as a {@link MemoryBundleStore} would, without a second copy of its index).
   */
  store?: BundleStore;
  /** Lifetime of bundles sent without one (default 24 h). */
  defaultLifetime?: number;
  /** Retry interval after a failed transmission, ms (default 1,000). */
  retryIntervalMs?: number;
  /**
   * Send window per next hop: bundles handed to a convergence layer and not yet confirmed
   * (acknowledged by TCPCL, written by the others), at most this many (default 64) ...
   */
  maxInFlightBundles?: number;
  /** ... and at most this many octets, though always at least one bundle (default 4 MiB). */
  maxInFlightBytes?: number;
  /**
   * Bundles delivered locally that are remembered (by source, creation time, sequence number
   * and fragment) until their lifetime ends, so a copy arriving again (a sender retransmitting
   * after losing the acknowledgement) is not delivered twice; at most this many (default
   * 16,384, oldest forgotten first; 0 turns duplicate suppression off).
   */
  duplicateMemory?: number;
  /** Decoding limits for received bundles. */
  decode?: BundleDecodeOptions;
  /** Block types this agent processes besides payload, previous node, age and hop count. */
  knownBlockTypes?: readonly number[];
  /** Security policy applied to received bundles (BPSec, RFC 9172); none by default. */
  security?: AgentSecurityPolicy;
}

/**
 * An agent's BPSec policy (RFC 9172 §5, the agent as security verifier): bundles received from
 * the listed source nodes must carry a BIB-HMAC-SHA2 (RFC 9173 §3) over the payload that
 * verifies, and every BIB-HMAC-SHA2 target in them must verify; other bundles from those nodes
 * are deleted (reason 12 "missing security operation" or 15 "failed security operation",
 * RFC 9172 §11.2) and counted in `counts.securityFailures`. Bundles whose payload BIB is
 * encrypted by a BCB cannot be verified here and count as missing. Bundles this agent sends
 * itself are not checked.
 */
export interface AgentSecurityPolicy {
  /** `ipn` node numbers whose bundles need a valid payload BIB. */
  requireBibFrom: readonly number[];
  /** The verification key, or a function choosing it by security source. */
  key: SecurityKey;
}

/** Options of {@link BundleAgent.send}. */
export interface SendOptions {
  /** Source service number (default 1); the source is `ipn:<node>.<service>`. */
  service?: number;
  lifetime?: number;
  /** Bundle processing flags (e.g. `BundleFlags.REPORT_DELIVERY`). */
  flags?: number;
  reportTo?: Eid;
  hopLimit?: number;
  crcType?: CrcType;
  /**
   * Applies BPSec before the bundle is stored and forwarded, e.g. a `signBib` and/or
   * `encryptBcb` with this node as security source; resolves with the secured bundle.
   */
  secure?: (bundle: Bundle) => Promise<Bundle>;
}

/** Events of {@link BundleAgent}. */
export type BundleAgentEvents = {
  /** Delivered to a local registration. */
  delivered: [bundle: Bundle];
  /** Sent to the next hop. */
  forwarded: [bundle: Bundle, address: string];
  /** Deleted (expired, hop limit, unprocessable block, ...), with the status reason code. */
  deleted: [bundle: Bundle, reason: number];
  /** A status report (or other administrative record) addressed to this node arrived. */
  adminRecord: [record: AdminRecord, bundle: Bundle];
  /** A received unit that was not a valid bundle, or a transmission failure. */
  error: [error: Error];
};

/** Events of a {@link Registration}. */
export type RegistrationEvents = {
  bundle: [payload: Uint8Array, bundle: Bundle];
};

/** An application's registration on `ipn:<node>.<service>`. */
export interface Registration {
  readonly endpoint: IpnEid;
  readonly events: TypedEmitter<RegistrationEvents>;
  close(): void;
}

interface Stored {
  id: string;
  bundle: Bundle;
  bytes: Uint8Array;
  receivedAt: number;
  expiresAt: number;
  retry: TimerId | undefined;
  sending: boolean;
  /** Waiting for a local registration rather than for a next hop. */
  local: boolean;
  /** Next hop whose queue holds it. */
  queuedOn: string | undefined;
  /** Its place in the agent's expiry heap (-1: not there). */
  heapIndex: number;
  /** `bytes` fill a buffer of the agent's pool (see {@link BundleAgent.send}). */
  pooled: boolean;
  /** In the agent's store (`stored`) still: false once it left (forwarded, expired, delivered). */
  held: boolean;
}

/** A next hop's send window: bundles waiting for it and bundles in flight. */
interface Link {
  address: string;
  /** The address's scheme: the protocol of the convergence layer that reaches it. */
  scheme: string;
  queue: Stored[];
  head: number;
  inFlight: number;
  inFlightBytes: number;
  /** Set after a failed transmission: nothing more is sent until it fires or the link is up. */
  backoff: TimerId | undefined;
}

/** The bundle protocol agent; see the module comment. */
export class BundleAgent {
  readonly events = new TypedEmitter<BundleAgentEvents>();
  readonly nodeId: IpnEid;
  private readonly clock: Clock;
  private readonly clas = new Map<string, ConvergenceLayer>();
  private readonly routes = new Map<number, string>();
  private defaultRoute: string | undefined;
  private readonly contacts: Contact[];
  /** The caller's store; undefined when bundles live only in `stored`. */
  private readonly store: BundleStore | undefined;
  private readonly registrations = new Map<number, Set<Registration>>();
  private readonly stored = new Map<string, Stored>();
  private readonly reassembler = new BundleReassembler();
  private readonly known: Set<number>;
  private readonly opts: BundleAgentOptions;
  private readonly offs: (() => void)[] = [];
  /** Creation timestamps of bundles originated here (shared with other agents of this node). */
  private readonly timestamps: CreationTimestamps;
  private closed = false;
  private readonly links = new Map<string, Link>();
  private readonly expiries: Stored[] = [];
  private readonly eidCache = new Map<string, Eid>();
  private expiryTimer: TimerId | undefined;
  private expiryAt = Infinity;
  /** Bundles delivered here, each until it expires (none when duplicate suppression is off). */
  private readonly deliveredMemory: DeliveredMemory | undefined;
  /**
   * Encoding buffers of large bundles originated here (at most one send window of them), and
   * the one `takeBuffer` gave last.
   */
  private readonly buffers: BufferPool;
  private pooled: Uint8Array | undefined;
  private readonly takeBuffer = (n: number): Uint8Array => (this.pooled = this.buffers.take(n));
  private takenBuffer(): ArrayBufferLike | undefined {
    return this.pooled?.buffer;
  }
  private readonly maxInFlightBundles: number;
  private readonly maxInFlightBytes: number;
  private readonly duplicateMemory: number;
  /** Counters; `duplicates` are copies of bundles already delivered here, suppressed. */
  readonly counts = {
    received: 0,
    delivered: 0,
    forwarded: 0,
    deleted: 0,
    invalid: 0,
    duplicates: 0,
    retransmissions: 0,
    /** Bundles deleted by the security policy ({@link AgentSecurityPolicy}). */
    securityFailures: 0,
  };

  constructor(options: BundleAgentOptions) {
    if (!Number.isSafeInteger(options.node) || options.node < 1) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'node must be a positive integer');
    }
    this.opts = options;
    this.maxInFlightBundles = options.maxInFlightBundles ?? 64;
    this.maxInFlightBytes = options.maxInFlightBytes ?? 4 << 20;
    this.duplicateMemory = options.duplicateMemory ?? 16_384;
    this.buffers = new BufferPool(this.maxInFlightBundles, this.maxInFlightBytes);
    this.deliveredMemory =
      this.duplicateMemory >= 1 ? new DeliveredMemory(Math.floor(this.duplicateMemory)) : undefined;
    if (!Number.isSafeInteger(this.maxInFlightBundles) || this.maxInFlightBundles < 1)
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'maxInFlightBundles must be >= 1');
    this.nodeId = { scheme: 'ipn', node: options.node, service: 0 };
    this.clock = options.clock;
    this.store = options.store;
    this.contacts = [...(options.contacts ?? [])];
    this.defaultRoute = options.defaultRoute;
    this.known = new Set([
      BlockType.PAYLOAD,
      BlockType.PREVIOUS_NODE,
      BlockType.BUNDLE_AGE,
      BlockType.HOP_COUNT,
      ...(options.knownBlockTypes ?? []),
      ...(options.security === undefined ? [] : [BlockType.BLOCK_INTEGRITY]),
    ]);
    for (const r of options.routes ?? []) this.addRoute(r.node, r.address);
    for (const c of options.clas ?? []) this.addConvergenceLayer(c);
    this.timestamps = creationTimestampsFor(this.clock, options.node, this.dtnTime());
    for (const s of this.store?.load() ?? []) {
      try {
        const bundle = decodeBundle(s.bundle);
        // A bundle this node created before a restart: none is created at or before its time.
        const src = bundle.primary.source;
        if (src.scheme === 'ipn' && src.node === options.node)
          this.timestamps.raiseFloor(bundle.primary.creationTime);
        this.admit(bundle, s.bundle, s.receivedAt, this.clock.now(), s.id);
      } catch (e) {
        this.store?.delete(s.id);
        this.fail(e);
      }
    }
  }

  /** DTN time now, ms since 2000-01-01 (0 when the clock is before the DTN epoch). */
  dtnTime(): number {
    return Math.max(0, this.clock.now() - DTN_EPOCH_UNIX_MS);
  }

  /** Adds a convergence layer; bundles it receives enter the agent. */
  addConvergenceLayer(cla: ConvergenceLayer): void {
    this.clas.set(cla.protocol, cla);
    this.offs.push(
      cla.events.on('message', (data) => this.receive(data)),
      cla.events.on('error', (e) => this.fail(e)),
      cla.events.on('link', (peer, up) => {
        if (!up) return;
        const link = this.links.get(peer);
        if (link !== undefined) this.requeue(link);
        this.flush();
      }),
    );
  }

  /** Sets the next hop for `node`. */
  addRoute(node: number, address: string): void {
    this.routes.set(node, address);
    this.flush();
  }

  /** Adds a contact; bundles for that next hop wait for contacts once any is planned. */
  addContact(contact: Contact): void {
    this.contacts.push(contact);
    this.flush();
  }

  /** Bundles held in the store. */
  get storedCount(): number {
    return this.stored.size;
  }

  /** Registers an application on `ipn:<node>.<service>`; stored bundles for it are delivered. */
  register(service: number): Registration {
    const endpoint: IpnEid = { scheme: 'ipn', node: this.opts.node, service };
    const reg: Registration = {
      endpoint,
      events: new TypedEmitter<RegistrationEvents>(),
      close: () => this.registrations.get(service)?.delete(reg),
    };
    let set = this.registrations.get(service);
    if (set === undefined) {
      set = new Set();
      this.registrations.set(service, set);
    }
    set.add(reg);
    queueMicrotask(() => {
      for (const s of [...this.stored.values()]) {
        if (s.local && this.serviceOf(s.bundle) === service) this.deliver(s);
      }
    });
    return reg;
  }

  private serviceOf(b: Bundle): number {
    const d = b.primary.destination;
    return d.scheme === 'ipn' ? d.service : -1;
  }

  private fail(e: unknown): void {
    try {
      this.events.emit('error', e instanceof Error ? e : new Error(String(e)));
    } catch {
      // listener failures are not the agent's
    }
  }

  /** Originates a bundle; resolves with it once stored (forwarding goes on in the background). */
  send(destination: Eid | string, payload: Uint8Array, options: SendOptions = {}): Promise<Bundle> {
    // Not an async function: without a `secure` hook nothing waits, and an application sending
    // bundle after bundle should not pay for the async machinery of each.
    try {
      const now = this.clock.now();
      const bundle = this.originate(destination, payload, options, now);
      if (options.secure === undefined) {
        this.admitOriginated(bundle, now);
        return Promise.resolve(bundle);
      }
      return options.secure(bundle).then((secured) => {
        this.admitOriginated(secured, this.clock.now());
        return secured;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The bundle `send` originates, before any security. */
  private originate(
    destination: Eid | string,
    payload: Uint8Array,
    options: SendOptions,
    now: number,
  ): Bundle {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'agent is closed');
    const dest = typeof destination === 'string' ? this.parseDestination(destination) : destination;
    const stamp = this.timestamps.next(Math.max(0, now - DTN_EPOCH_UNIX_MS));
    const source: IpnEid = { scheme: 'ipn', node: this.opts.node, service: options.service ?? 1 };
    const init: BundleInit = {
      destination: dest,
      source,
      reportTo: options.reportTo ?? source,
      payload,
      creationTime: stamp.creationTime,
      sequenceNumber: stamp.sequenceNumber,
      lifetime: options.lifetime ?? this.opts.defaultLifetime ?? 86_400_000,
      flags: options.flags ?? 0,
      crcType: options.crcType ?? CrcType.CRC32C,
    };
    if (options.hopLimit !== undefined) init.hopLimit = options.hopLimit;
    return createBundle(init);
  }

  /** Encodes and stores a bundle `send` originated (then it is forwarded or delivered). */
  private admitOriginated(bundle: Bundle, now: number): void {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'agent is closed');
    // Without a store of the caller's, nothing but the agent and the convergence layer reads
    // the encoding of a bundle originated here: a large one goes into a pooled buffer, given
    // back once forwarded (see `transmit`).
    this.pooled = undefined;
    const bytes = encodeBundle(bundle, this.store === undefined ? this.takeBuffer : undefined);
    const pooled = this.takenBuffer() === bytes.buffer;
    this.pooled = undefined;
    const s = this.admit(bundle, bytes, now, now);
    if (pooled && s !== undefined) s.pooled = true;
  }

  /** Parses a destination given as text, remembering the last few (applications repeat them). */
  private parseDestination(text: string): Eid {
    let e = this.eidCache.get(text);
    if (e === undefined) {
      e = parseEid(text);
      if (this.eidCache.size >= 64) this.eidCache.clear();
      this.eidCache.set(text, e);
    }
    return e;
  }

  /** Feeds an encoded bundle received from a convergence layer. */
  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    let bundle: Bundle;
    try {
      bundle = decodeBundle(bytes, this.opts.decode);
    } catch (e) {
      this.counts.invalid++;
      this.fail(e);
      return;
    }
    this.counts.received++;
    const policy = this.opts.security;
    const src = bundle.primary.source;
    if (policy !== undefined && src.scheme === 'ipn' && policy.requireBibFrom.includes(src.node)) {
      this.checkIntegrity(bundle, bytes, policy);
      return;
    }
    this.accept(bundle, bytes);
  }

  /** Applies the security policy, then accepts or deletes the bundle. */
  private checkIntegrity(bundle: Bundle, bytes: Uint8Array, policy: AgentSecurityPolicy): void {
    const refuse = (reason: number): void => {
      this.counts.securityFailures++;
      this.drop(bundle, reason);
    };
    verifyBib(bundle, { key: policy.key }).then(
      (results) => {
        if (this.closed) return;
        if (results.some((r) => !r.ok)) refuse(BpsecStatusReason.FAILED_SECURITY_OPERATION);
        else if (!results.some((r) => r.target === BlockType.PAYLOAD)) {
          refuse(BpsecStatusReason.MISSING_SECURITY_OPERATION);
        } else this.accept(bundle, bytes);
      },
      (e: unknown) => {
        if (this.closed) return;
        this.fail(e);
        refuse(BpsecStatusReason.FAILED_SECURITY_OPERATION);
      },
    );
  }

  private accept(bundle: Bundle, bytes: Uint8Array): void {
    const p = bundle.primary;
    if ((p.flags & BundleFlags.REPORT_RECEPTION) !== 0)
      this.report(bundle, { received: true }, StatusReason.NO_ADDITIONAL_INFORMATION);
    // Extension blocks this agent cannot process (RFC 9171 §4.2.4).
    let unknown = false;
    let hopCount = false;
    for (const b of bundle.blocks) {
      if (!this.known.has(b.blockType)) unknown = true;
      else if (b.blockType === BlockType.HOP_COUNT) hopCount = true;
    }
    if (unknown) {
      const keep: CanonicalBlock[] = [];
      for (const b of bundle.blocks) {
        if (this.known.has(b.blockType)) {
          keep.push(b);
          continue;
        }
        if ((b.flags & BlockFlags.REPORT_IF_UNPROCESSABLE) !== 0) {
          this.report(bundle, { received: true }, StatusReason.BLOCK_UNSUPPORTED);
        }
        if ((b.flags & BlockFlags.DELETE_BUNDLE_IF_UNPROCESSABLE) !== 0) {
          this.drop(bundle, StatusReason.BLOCK_UNSUPPORTED);
          return;
        }
        if ((b.flags & BlockFlags.DISCARD_BLOCK_IF_UNPROCESSABLE) === 0) keep.push(b);
      }
      if (keep.length !== bundle.blocks.length) {
        bundle = { primary: bundle.primary, blocks: keep };
        bytes = encodeBundle(bundle);
      }
    }
    const hc = hopCount ? hopCountOf(bundle) : undefined;
    if (hc !== undefined && hc.count >= hc.limit && !this.isLocal(bundle)) {
      this.drop(bundle, StatusReason.HOP_LIMIT_EXCEEDED);
      return;
    }
    const now = this.clock.now();
    this.admit(bundle, bytes, now, now);
  }

  private isLocal(b: Bundle): boolean {
    const d = b.primary.destination;
    return d.scheme === 'ipn' && d.node === this.opts.node;
  }

  private expiry(bundle: Bundle, receivedAt: number): number {
    const p = bundle.primary;
    if (p.creationTime > 0) return p.creationTime + DTN_EPOCH_UNIX_MS + p.lifetime;
    return receivedAt + p.lifetime - (bundleAgeOf(bundle) ?? 0);
  }

  /**
   * Takes a bundle in (`now`: the clock's time, read once by the caller); returns its entry
   * when it was stored (it may have left the store again by delivery).
   */
  private admit(
    bundle: Bundle,
    bytes: Uint8Array,
    receivedAt: number,
    now: number,
    id?: string,
  ): Stored | undefined {
    // The key string is built (and hashed) only when there is something to compare it with or
    // the bundle is stored: a bundle delivered at once to an application needs none.
    let key = id;
    if (this.stored.size > 0) {
      key ??= bundleKey(bundle);
      if (this.stored.has(key)) return undefined; // a duplicate
    }
    const local = this.isLocal(bundle);
    if (local && this.deliveredMemory?.has(bundle, now) === true) {
      // Delivered already: a copy the previous hop sent again (RFC 9171 §5.6 lets an agent
      // discard it); it is not delivered twice.
      this.counts.duplicates++;
      if (id !== undefined) this.store?.delete(id);
      return undefined;
    }
    const expiresAt = this.expiry(bundle, receivedAt);
    if (expiresAt <= now) {
      if (id !== undefined) this.store?.delete(id);
      this.drop(bundle, StatusReason.LIFETIME_EXPIRED);
      return undefined;
    }
    // A bundle for a registered application, with no store of the caller's to journal it in:
    // delivered at once, without entering the agent's store only to leave it again.
    if (local && id === undefined && this.store === undefined && this.deliverNow(bundle, expiresAt))
      return undefined;
    key ??= bundleKey(bundle);
    const s: Stored = {
      id: key,
      bundle,
      bytes,
      receivedAt,
      expiresAt,
      retry: undefined,
      sending: false,
      local,
      queuedOn: undefined,
      heapIndex: -1,
      pooled: false,
      held: true,
    };
    this.stored.set(key, s);
    if (id === undefined) this.store?.put(key, bytes, receivedAt);
    this.scheduleExpiry(s);
    if (s.local) this.deliver(s);
    else this.forward(s);
    return s;
  }

  private remove(s: Stored): void {
    if (s.heapIndex >= 0) heapRemove(this.expiries, s);
    s.held = false;
    this.stored.delete(s.id);
    this.store?.delete(s.id);
    if (s.retry !== undefined) this.clock.cancelTimer(s.retry);
    s.retry = undefined;
  }

  /**
   * Lifetimes: one clock timer for the earliest expiry over a min-heap of stored bundles (not a
   * timer per bundle). A bundle leaves the heap when it leaves the store (each knows its place),
   * so the heap holds no bundle that is gone.
   */
  private scheduleExpiry(s: Stored): void {
    heapPush(this.expiries, s);
    if (s.expiresAt < this.expiryAt) this.armExpiry();
  }

  private armExpiry(): void {
    if (this.expiryTimer !== undefined) this.clock.cancelTimer(this.expiryTimer);
    this.expiryTimer = undefined;
    this.expiryAt = Infinity;
    const top = this.expiries[0];
    if (top === undefined || this.closed) return;
    this.expiryAt = top.expiresAt;
    // Timers of more than 2^31 - 1 ms fire at once on some platforms: wake up earlier instead.
    const delay = Math.min(Math.max(0, top.expiresAt - this.clock.now()), 2 ** 31 - 1);
    this.expiryTimer = this.clock.setTimer(delay, () => {
      this.expiryTimer = undefined;
      this.expiryAt = Infinity;
      const now = this.clock.now();
      const h = this.expiries;
      while (h.length > 0 && h[0]!.expiresAt <= now) {
        const x = heapPop(h)!;
        if (!x.held) continue; // gone already
        this.remove(x);
        this.drop(x.bundle, StatusReason.LIFETIME_EXPIRED);
      }
      this.armExpiry();
    });
  }

  private drop(bundle: Bundle, reason: number): void {
    this.counts.deleted++;
    if ((bundle.primary.flags & BundleFlags.REPORT_DELETION) !== 0)
      this.report(bundle, { deleted: true }, reason);
    try {
      this.events.emit('deleted', bundle, reason);
    } catch (e) {
      this.fail(e);
    }
  }

  private report(
    subject: Bundle,
    statuses: { received?: boolean; forwarded?: boolean; delivered?: boolean; deleted?: boolean },
    reason: number,
  ): void {
    const p = subject.primary;
    if ((p.flags & BundleFlags.ADMIN_RECORD) !== 0) return; // never report on reports
    if (p.reportTo.scheme === 'dtn' && p.reportTo.ssp === 'none') return;
    const stamp = this.timestamps.next(this.dtnTime());
    const rep = createStatusReport(subject, statuses, reason, this.nodeId, {
      dtnTime: stamp.creationTime,
      sequenceNumber: stamp.sequenceNumber,
    });
    queueMicrotask(() => {
      const now = this.clock.now();
      this.admit(rep, encodeBundle(rep), now, now);
    });
  }

  private deliver(s: Stored): void {
    const b = s.bundle;
    const p = b.primary;
    if ((p.flags & BundleFlags.IS_FRAGMENT) !== 0) {
      this.remove(s);
      let whole: Bundle | undefined;
      try {
        whole = this.reassembler.add(b);
      } catch (e) {
        this.fail(e);
        return;
      }
      if (whole !== undefined)
        this.admit(whole, encodeBundle(whole), s.receivedAt, this.clock.now());
      return;
    }
    if ((p.flags & BundleFlags.ADMIN_RECORD) !== 0) {
      this.remove(s);
      try {
        this.events.emit('adminRecord', decodeAdminRecord(bundlePayload(b)), b);
      } catch (e) {
        this.fail(e);
      }
      this.counts.delivered++;
      return;
    }
    const regs = this.registrations.get(this.serviceOf(b));
    if (regs === undefined || regs.size === 0) return; // kept until an application registers
    this.remove(s);
    this.remember(s);
    this.handOver(b, regs);
  }

  /**
   * Delivers a whole, non-administrative bundle that is not in the store if an application is
   * registered for it (remembering it until `expiresAt`); false when none is.
   */
  private deliverNow(b: Bundle, expiresAt: number): boolean {
    if ((b.primary.flags & (BundleFlags.IS_FRAGMENT | BundleFlags.ADMIN_RECORD)) !== 0)
      return false;
    const regs = this.registrations.get(this.serviceOf(b));
    if (regs === undefined || regs.size === 0) return false;
    this.deliveredMemory?.add(b, expiresAt);
    this.handOver(b, regs);
    return true;
  }

  /** Hands a delivered bundle's payload to the registrations, then reports and tells. */
  private handOver(b: Bundle, regs: Set<Registration>): void {
    const p = b.primary;
    this.counts.delivered++;
    const payload = bundlePayload(b);
    for (const r of regs) {
      try {
        r.events.emit('bundle', payload, b);
      } catch (e) {
        this.fail(e);
      }
    }
    if ((p.flags & BundleFlags.REPORT_DELIVERY) !== 0)
      this.report(b, { delivered: true }, StatusReason.NO_ADDITIONAL_INFORMATION);
    try {
      this.events.emit('delivered', b);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Remembers a delivered bundle until it expires, for duplicate suppression. */
  private remember(s: Stored): void {
    this.deliveredMemory?.add(s.bundle, s.expiresAt);
  }

  private nextHop(b: Bundle): string | undefined {
    const d = b.primary.destination;
    if (d.scheme !== 'ipn') return this.defaultRoute;
    return this.routes.get(d.node) ?? this.defaultRoute;
  }

  /** Milliseconds until the link to `address` is up (0: now), or undefined if never again. */
  private waitFor(address: string): number | undefined {
    if (this.contacts.length === 0) return 0;
    const plan = this.contacts.filter((c) => c.address === address);
    if (plan.length === 0) return 0;
    const now = this.clock.now();
    let best: number | undefined;
    for (const c of plan) {
      if (c.end <= now) continue;
      const w = Math.max(0, c.start - now);
      if (best === undefined || w < best) best = w;
    }
    return best;
  }

  private flush(): void {
    for (const s of [...this.stored.values()]) if (!s.local) this.forward(s);
  }

  private forward(s: Stored): void {
    if (s.sending || s.queuedOn !== undefined || this.closed) return;
    if (s.retry !== undefined) {
      this.clock.cancelTimer(s.retry);
      s.retry = undefined;
    }
    const address = this.nextHop(s.bundle);
    if (address === undefined) return; // waits for a route
    const wait = this.waitFor(address);
    if (wait === undefined) return; // no more contacts planned: waits for one
    if (wait > 0) {
      s.retry = this.clock.setTimer(wait, () => {
        s.retry = undefined;
        this.forward(s);
      });
      return;
    }
    let link = this.links.get(address);
    if (link === undefined) {
      link = {
        address,
        scheme: address.slice(0, Math.max(0, address.indexOf('://'))),
        queue: [],
        head: 0,
        inFlight: 0,
        inFlightBytes: 0,
        backoff: undefined,
      };
      this.links.set(address, link);
    }
    s.queuedOn = address;
    link.queue.push(s);
    this.pump(link);
  }

  /** Bundles waiting for the next hop at `address`, and in flight to it. */
  linkBacklog(address: string): { queued: number; inFlight: number; inFlightBytes: number } {
    const l = this.links.get(address);
    return l === undefined
      ? { queued: 0, inFlight: 0, inFlightBytes: 0 }
      : { queued: l.queue.length - l.head, inFlight: l.inFlight, inFlightBytes: l.inFlightBytes };
  }

  /** Takes the link's queue back and routes each bundle again (route and contacts may have changed). */
  private requeue(link: Link): void {
    if (link.backoff !== undefined) {
      this.clock.cancelTimer(link.backoff);
      link.backoff = undefined;
    }
    const waiting = link.queue.slice(link.head);
    link.queue = [];
    link.head = 0;
    for (const s of waiting) {
      s.queuedOn = undefined;
      if (s.held) this.forward(s);
    }
  }

  /** Hands queued bundles to the convergence layer while the link's send window has room. */
  private pump(link: Link): void {
    while (
      link.head < link.queue.length &&
      !this.closed &&
      link.backoff === undefined &&
      link.inFlight < this.maxInFlightBundles &&
      (link.inFlight === 0 || link.inFlightBytes < this.maxInFlightBytes)
    ) {
      const s = link.queue[link.head]!;
      link.queue[link.head++] = undefined as unknown as Stored;
      if (link.head > 1024 && link.head * 2 > link.queue.length) {
        link.queue.splice(0, link.head);
        link.head = 0;
      }
      s.queuedOn = undefined;
      if (!s.held) continue; // expired or gone while queued
      this.transmit(s, link);
    }
    if (link.head === link.queue.length) {
      link.queue.length = 0;
      link.head = 0;
    }
  }

  private transmit(s: Stored, link: Link): void {
    const address = link.address;
    const cla = this.clas.get(link.scheme);
    if (cla === undefined) {
      this.fail(
        new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `no convergence layer for ${address}`),
      );
      return;
    }
    // The bundle as it leaves, and its fragments when it is too long for the layer.
    let one: Uint8Array;
    let units: Uint8Array[] | undefined;
    try {
      const out = this.prepareForward(s);
      one = out === s.bundle ? s.bytes : encodeBundle(out);
      if (one.length > cla.maxMessageLength)
        units = fragmentBundle(out, cla.maxMessageLength).map((f) => encodeBundle(f));
    } catch (e) {
      this.fail(e);
      return;
    }
    let bytes = one.length;
    if (units !== undefined) {
      bytes = 0;
      for (const u of units) bytes += u.length;
    }
    s.sending = true;
    link.inFlight++;
    link.inFlightBytes += bytes;
    const sent =
      units === undefined
        ? cla.send(address, one)
        : Promise.all(units.map((u) => cla.send(address, u)));
    sent.then(
      () => {
        settle(s, link, bytes);
        if (s.held) {
          this.remove(s);
          this.counts.forwarded++;
          if ((s.bundle.primary.flags & BundleFlags.REPORT_FORWARDING) !== 0) {
            this.report(s.bundle, { forwarded: true }, StatusReason.NO_ADDITIONAL_INFORMATION);
          }
          try {
            this.events.emit('forwarded', s.bundle, address);
          } catch (e) {
            this.fail(e);
          }
        }
        // The layer no longer reads the octets it sent and the bundle left the store; a pooled
        // encoding, which nothing else holds (no store of the caller's; the bundle's blocks are
        // not views of it), goes back to the pool.
        if (s.pooled && one === s.bytes && cla.releasesSentBundles === true) {
          s.pooled = false;
          this.buffers.give(new Uint8Array(one.buffer, 0, one.buffer.byteLength));
        }
        this.pump(link);
      },
      (e: unknown) => {
        settle(s, link, bytes);
        this.fail(e);
        // Not confirmed (refused, session lost, ...): the bundle stays in the store and waits
        // in the link's queue; the link rests for the retry interval (or until it is up again)
        // so the bundles behind it do not all fail the same way.
        if (this.closed) return;
        if (s.held) {
          this.counts.retransmissions++;
          s.queuedOn = address;
          link.queue.push(s);
        }
        if (link.backoff === undefined) {
          link.backoff = this.clock.setTimer(this.opts.retryIntervalMs ?? 1000, () => {
            link.backoff = undefined;
            this.requeue(link);
          });
        }
      },
    );
  }

  /**
   * The bundle as it leaves: previous node = this node, hop count + 1, bundle age updated; the
   * stored bundle itself (its encoding being `s.bytes`) when none of that applies.
   */
  private prepareForward(s: Stored): Bundle {
    let b = s.bundle;
    const fromHere = b.primary.source.scheme === 'ipn' && b.primary.source.node === this.opts.node;
    if (fromHere && b.blocks.length === 1 && b.primary.creationTime > 0) return b;
    b = withExtensionBlock(b, BlockType.PREVIOUS_NODE, encodePreviousNodeData(this.nodeId));
    const hc = hopCountOf(b);
    if (hc !== undefined && !fromHere)
      b = withExtensionBlock(
        b,
        BlockType.HOP_COUNT,
        encodeHopCountData({ limit: hc.limit, count: hc.count + 1 }),
      );
    const age = bundleAgeOf(b);
    if (age !== undefined) {
      b = withExtensionBlock(
        b,
        BlockType.BUNDLE_AGE,
        encodeBundleAgeData(age + Math.max(0, this.clock.now() - s.receivedAt)),
      );
    }
    return b;
  }

  /** Stops the agent (convergence layers are left to their owner). Stored bundles stay in the store. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const s of this.stored.values()) {
      if (s.retry !== undefined) this.clock.cancelTimer(s.retry);
    }
    if (this.expiryTimer !== undefined) this.clock.cancelTimer(this.expiryTimer);
    this.expiryTimer = undefined;
    try {
      this.store?.close?.();
    } catch (e) {
      this.fail(e);
    }
    for (const l of this.links.values()) {
      if (l.backoff !== undefined) this.clock.cancelTimer(l.backoff);
      l.backoff = undefined;
    }
  }
}

/** A transmission ended (confirmed or not): the bundle and its octets leave the send window. */
function settle(s: Stored, link: Link, bytes: number): void {
  s.sending = false;
  link.inFlight--;
  link.inFlightBytes -= bytes;
}

function heapPush(h: Stored[], s: Stored): void {
  h.push(s);
  siftUp(h, h.length - 1, s);
}

/** Moves `s` from place `i` towards the top while its parent expires later. */
function siftUp(h: Stored[], i: number, s: Stored): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = h[p]!;
    if (parent.expiresAt <= s.expiresAt) break;
    h[i] = parent;
    parent.heapIndex = i;
    i = p;
  }
  h[i] = s;
  s.heapIndex = i;
}

/** Moves `s` from place `i` towards the bottom while a child expires earlier. */
function siftDown(h: Stored[], i: number, s: Stored): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const c = r < h.length && h[r]!.expiresAt < h[l]!.expiresAt ? r : l;
    const child = h[c]!;
    if (child.expiresAt >= s.expiresAt) break;
    h[i] = child;
    child.heapIndex = i;
    i = c;
  }
  h[i] = s;
  s.heapIndex = i;
}

function heapPop(h: Stored[]): Stored | undefined {
  const top = h[0];
  if (top === undefined) return undefined;
  heapRemove(h, top);
  return top;
}

/** Takes `s` out of the heap. */
function heapRemove(h: Stored[], s: Stored): void {
  const i = s.heapIndex;
  s.heapIndex = -1;
  const last = h.pop()!;
  if (last === s) return;
  // The last element takes the hole and moves up or down to its place.
  if (i > 0 && h[(i - 1) >> 1]!.expiresAt > last.expiresAt) siftUp(h, i, last);
  else siftDown(h, i, last);
}

/** Formats a bundle's identity for logs: `source@time.seq -> destination`. */
export function describeBundle(b: Bundle): string {
  const p = b.primary;
  return `${formatEid(p.source)}@${p.creationTime}.${p.sequenceNumber} -> ${formatEid(p.destination)}`;
}
