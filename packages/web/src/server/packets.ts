/**
 * Packet sources of the console: Space Packets (CCSDS 133.0-B-2) arriving over UDP (one or more
 * packets per datagram), a TCP stream (connected to, or accepted), or replayed from a file. Each
 * source frames packets with the library's streaming reader (resynchronising over garbage),
 * tracks sequence counts per APID to count lost packets, keeps the latest packets in a bounded
 * ring for consoles that connect later, and can record the raw packet stream into the local
 * filestore for plotting afterwards.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createReadStream } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { SequenceTracker, SpacePacketReader, SequenceStatus } from 'ccsds/spp';
import type { FileHandle, FileStore } from 'ccsds/filestore';
import type { PacketSourceConfig } from './config.js';

/** A received packet as handed to the console. */
export interface ReceivedPacket {
  source: string;
  /** Receive time, ms since the Unix epoch. */
  t: number;
  bytes: Uint8Array;
}

/** Counters and state of a source, for the Links page. */
export interface SourceStatus {
  name: string;
  url: string;
  enabled: boolean;
  /** `listening`, `connected`, `connecting`, `replayed`, `error: ...`. */
  state: string;
  packets: number;
  octets: number;
  /** Packets missing by sequence count. */
  lostPackets: number;
  duplicates: number;
  /** Octets skipped while resynchronising (not a packet). */
  garbageOctets: number;
  droppedWhileDisabled: number;
  lastPacketAt: number | undefined;
  /** Path in the local filestore being recorded to, if any. */
  recording: string | undefined;
}

/** Packets kept per source for consoles that connect later. */
export const RING_SIZE = 2000;

/** See the module comment. */
export class PacketSource {
  readonly status: SourceStatus;
  private readonly tracker = new SequenceTracker();
  private readonly ring: ReceivedPacket[] = [];
  private udp: UdpSocket | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private record: { handle: FileHandle; offset: number; writing: Promise<void> } | undefined;

  constructor(
    readonly config: PacketSourceConfig,
    private readonly onPacket: (p: ReceivedPacket) => void,
  ) {
    this.status = {
      name: config.name,
      url: config.url,
      enabled: true,
      state: 'starting',
      packets: 0,
      octets: 0,
      lostPackets: 0,
      duplicates: 0,
      garbageOctets: 0,
      droppedWhileDisabled: 0,
      lastPacketAt: undefined,
      recording: undefined,
    };
  }

  /** The latest packets (oldest first). */
  recent(): readonly ReceivedPacket[] {
    return this.ring;
  }

  /** Binds, connects or starts the replay. */
  async start(): Promise<void> {
    const url = this.config.url;
    if (url.startsWith('file:')) {
      this.replay(url.slice(5));
      return;
    }
    const m = /^([a-z-]+):\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(url)!;
    const [, scheme, hostRaw, portText] = m;
    const host = hostRaw!.replace(/^\[|\]$/g, '');
    const port = Number(portText);
    if (scheme === 'udp') {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      this.udp = sock;
      sock.on('message', (msg) => this.datagram(msg));
      sock.on('error', (e) => (this.status.state = `error: ${e.message}`));
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(port, host, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      const a = sock.address();
      this.status.url = `udp://${host}:${a.port}`;
      this.status.state = 'listening';
    } else if (scheme === 'tcp') {
      this.dial(host, port);
    } else {
      const server = createServer((s) => this.stream(s));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const a = server.address();
      if (a !== null && typeof a === 'object') this.status.url = `tcp-listen://${host}:${a.port}`;
      this.status.state = 'listening';
    }
  }

  /** Starts or stops delivering packets (disabled: received but dropped and counted). */
  setEnabled(on: boolean): void {
    this.status.enabled = on;
  }

  /** Starts recording the raw packets into `path` of `store`, or stops (path undefined). */
  async setRecording(store: FileStore | undefined, path: string | undefined): Promise<void> {
    const r = this.record;
    if (r !== undefined) {
      this.record = undefined;
      this.status.recording = undefined;
      await r.writing;
      await r.handle.close();
    }
    if (store === undefined || path === undefined) return;
    const handle = await store.openWrite(path, { truncate: true });
    this.record = { handle, offset: 0, writing: Promise.resolve() };
    this.status.recording = path;
  }

  /** Closes sockets and the recording. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.udp?.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) =>
      this.server === undefined ? r() : this.server.close(() => r()),
    );
    await this.setRecording(undefined, undefined);
  }

  private datagram(msg: Uint8Array): void {
    const reader = this.reader();
    reader.push(msg);
    reader.end();
  }

  private reader(): SpacePacketReader {
    return new SpacePacketReader(
      (p) => this.packet(p.bytes, p.header.apid, p.header.packetSequenceCount),
      (s) => {
        if (this.status.enabled) this.status.garbageOctets += s.end - s.start;
      },
      { copy: true },
    );
  }

  private stream(s: Socket): void {
    this.sockets.add(s);
    this.status.state = 'connected';
    const reader = this.reader();
    s.on('data', (chunk) => reader.push(chunk));
    s.on('error', (e) => (this.status.state = `error: ${e.message}`));
    s.on('close', () => {
      this.sockets.delete(s);
      if (this.server !== undefined && !this.closed)
        this.status.state = this.sockets.size > 0 ? 'connected' : 'listening';
    });
  }

  private dial(host: string, port: number): void {
    if (this.closed) return;
    this.status.state = 'connecting';
    const s = connect(port, host);
    s.on('connect', () => this.stream(s));
    s.on('error', (e) => (this.status.state = `error: ${e.message}`));
    s.on('close', () => {
      if (this.closed) return;
      this.retry = setTimeout(() => this.dial(host, port), 2000);
    });
  }

  private replay(path: string): void {
    this.status.state = 'replaying';
    const reader = this.reader();
    const rs = createReadStream(path, { highWaterMark: 64 * 1024 });
    rs.on('data', (c) => reader.push(c as Buffer));
    rs.on('error', (e) => (this.status.state = `error: ${e.message}`));
    rs.on('end', () => {
      reader.end();
      this.status.state = 'replayed';
    });
  }

  private packet(bytes: Uint8Array, apid: number, count: number): void {
    if (!this.status.enabled) {
      this.status.droppedWhileDisabled++;
      return;
    }
    const obs = this.tracker.observe(apid, count);
    if (obs.status === SequenceStatus.GAP) this.status.lostPackets += obs.missing;
    if (obs.status === SequenceStatus.DUPLICATE) this.status.duplicates++;
    this.status.packets++;
    this.status.octets += bytes.length;
    const t = Date.now();
    this.status.lastPacketAt = t;
    const p: ReceivedPacket = { source: this.config.name, t, bytes };
    this.ring.push(p);
    if (this.ring.length > RING_SIZE) this.ring.shift();
    const r = this.record;
    if (r !== undefined) {
      const at = r.offset;
      r.offset += bytes.length;
      r.writing = r.writing.then(() => r.handle.write(at, bytes)).catch(() => undefined);
    }
    this.onPacket(p);
  }
}
