/**
 * Transport benchmarks on loopback (127.0.0.1), sender and receiver in this process: messages/s
 * and bit/s of UdpTransport and TcpTransport at 1,024 and 8,192 octets, each against a bare
 * `node:dgram` / `node:net` pair moving the same messages in the same run (the platform limit):
 * - bare UDP: `socket.send` without a callback, yielding to the event loop every 16 datagrams
 *   (the same pacing UdpTransport uses; without it a same-process receiver starves and loses
 *   datagrams), a receiver that only counts;
 * - bare TCP: one write of a pre-built 4-octet length + payload per message, waiting for
 *   `drain` when `write` returns false, a receiver that only counts octets.
 * One iteration moves {@link N} messages and waits until all have arrived; a datagram not
 * arrived within 2 s counts as lost and is reported.
 */
import { createSocket } from 'node:dgram';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { TcpTransport, UdpTransport } from '../src/transport/node/index.js';
import type { Transport } from '../src/transport/index.js';
import { type BenchResult, type Work, measureCase, report } from './harness.js';

/** Messages per iteration. */
const N = 2000;
const LAYER = 'transport';

/** Counts arrivals and lets an iteration wait for its last one. */
class Counter {
  count = 0;
  lost = 0;
  private target = 0;
  private wake: (() => void) | undefined;

  add(n: number): void {
    this.count += n;
    if (this.wake !== undefined && this.count >= this.target) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
  }

  /** Runs `send` and resolves when `expected` more have arrived (or 2 s passed). */
  async round(expected: number, send: () => Promise<void>): Promise<void> {
    this.target = this.count + expected;
    const arrived = new Promise<void>((r) => (this.wake = r));
    await send();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, 2000)));
    await Promise.race([arrived, timeout]);
    clearTimeout(timer);
    if (this.count < this.target) {
      this.lost += this.target - this.count;
      this.count = this.target;
      this.wake = undefined;
    }
  }
}

async function measureTransport(
  name: string,
  a: Transport,
  b: Transport,
  size: number,
  work: Work,
): Promise<{ r: BenchResult; lost: number }> {
  const c = new Counter();
  b.events.on('message', () => c.add(1));
  const msg = new Uint8Array(size).fill(0x5a);
  try {
    const r = await measureCase(
      name,
      () =>
        c.round(N, async () => {
          for (let i = 0; i < N; i++) await a.send(b.address, msg);
        }),
      work,
    );
    return { r, lost: c.lost };
  } finally {
    await a.close();
    await b.close();
  }
}

async function bareUdp(size: number, work: Work): Promise<{ r: BenchResult; lost: number }> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
  for (const s of [rx, tx]) {
    s.setRecvBufferSize(8 << 20);
    s.setSendBufferSize(8 << 20);
  }
  const port = rx.address().port;
  const c = new Counter();
  rx.on('message', () => c.add(1));
  const msg = new Uint8Array(size).fill(0x5a);
  try {
    const r = await measureCase(
      'bare node:dgram',
      () =>
        c.round(N, async () => {
          for (let i = 0; i < N; i++) {
            tx.send(msg, port, '127.0.0.1');
            if ((i & 15) === 15) await new Promise((res) => setImmediate(res));
          }
        }),
      work,
    );
    return { r, lost: c.lost };
  } finally {
    await new Promise<void>((r) => rx.close(() => r()));
    await new Promise<void>((r) => tx.close(() => r()));
  }
}

async function bareTcp(size: number, work: Work): Promise<BenchResult> {
  const c = new Counter();
  const frameLength = 4 + size;
  let octets = 0;
  const server = createServer((s) =>
    s.on('data', (d: Uint8Array) => {
      octets += d.length;
      const whole = Math.floor(octets / frameLength);
      octets -= whole * frameLength;
      c.add(whole);
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const sock: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.setNoDelay(true);
  const frame = new Uint8Array(frameLength).fill(0x5a);
  new DataView(frame.buffer).setUint32(0, size);
  try {
    return await measureCase(
      'bare node:net',
      () =>
        c.round(N, async () => {
          for (let i = 0; i < N; i++) {
            if (!sock.write(frame)) await new Promise((r) => sock.once('drain', r));
          }
        }),
      work,
    );
  } finally {
    sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Runs the transport benchmarks. */
export async function run(): Promise<void> {
  for (const size of [1024, 8192]) {
    const work: Work = { items: N, itemName: 'messages', bytes: N * size };
    const bare = await bareUdp(size, work);
    const ours = await measureTransport(
      `UdpTransport ${size} B, awaiting each send`,
      await UdpTransport.open(),
      await UdpTransport.open(),
      size,
      work,
    );
    report(LAYER, ours.r, work, bare.r);
    if (ours.lost + bare.lost > 0) {
      console.log(`${LAYER} udp ${size} B: lost ${ours.lost} (UdpTransport), ${bare.lost} (bare)`);
    }
  }
  for (const size of [1024, 8192]) {
    const work: Work = { items: N, itemName: 'messages', bytes: N * size };
    const bare = await bareTcp(size, work);
    const ours = await measureTransport(
      `TcpTransport ${size} B, awaiting each send`,
      await TcpTransport.open(),
      await TcpTransport.open(),
      size,
      work,
    );
    report(LAYER, ours.r, work, bare);
  }
}
