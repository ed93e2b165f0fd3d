/**
 * Bundle Protocol benchmarks: bundles/s and bit/s of `encodeBundle` and `decodeBundle`, and of
 * agent-to-agent forwarding on loopback (node 1 originates, node 2 delivers to a registration)
 * over the UDP and TCPCLv4 convergence layers, with 1 KiB and 60 KiB payloads. Each forwarding
 * case is set against a bare `node:dgram` / `node:net` pair moving messages of the same size
 * (the encoded bundle's length) in the same run; the ratio is printed. Rates count what was
 * delivered. Over UDP the agent pair and the bare pair are paced the same way: at most 128 KiB
 * (and 32 messages) sent but not yet received, so neither overruns the receiver's socket buffer;
 * a 20 ms stall counts what is in flight as lost (the loss is printed). Over TCPCLv4 a bundle
 * counts as forwarded only once the peer acknowledged it; the application keeps up to 16 MiB
 * (256 bundles) sent but not delivered, and the agent's send window (64 bundles, 4 MiB in flight)
 * paces the session. The bare TCP pair's receiver splits the stream into its messages (a view
 * per message, a copy for one spanning two reads), the least a receiver of messages over TCP
 * does, as the bare UDP receiver gets each datagram as a buffer of its own; the rate of a bare
 * pair that only counts octets is printed too, with the ratio to it.

 * BPSec has its own layer, `bpsec` (bpsec.ts).
 */
import { createSocket } from 'node:dgram';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { RealClock, SeededRandom } from '../src/core/index.js';
import { BundleAgent, type ConvergenceLayer, decodeBundle, encodeBundle } from '../src/bp/index.js';
import {
  type BundleStore,
  DirectoryBundleStore,
  JournalBundleStore,
  TcpclConvergenceLayer,
  openUdpCla,
} from '../src/bp/node/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchResult, type Work, formatThroughput, measureCase, report } from './harness.js';
import { sample } from './bundle-sample.js';

const LAYER = 'bp';
/** UDP: at most 32 bundles and 128 KiB in flight (Linux caps socket buffers near 208 KiB). */
const udpWindow = (size: number): number =>
  Math.max(1, Math.min(32, Math.floor((128 << 10) / size)));
/** TCPCL: the application runs ahead by up to 256 bundles / 16 MiB. */
const tcpclWindow = (size: number): number =>
  Math.max(1, Math.min(256, Math.floor((16 << 20) / size)));

/** Wakes a paced sender when something arrives. */
interface Pacer {
  wake: (() => void) | undefined;
}

/**
 * Sends `n` messages keeping at most `window` sent but not yet received (`received()` counts);
 * when nothing arrives for `stallMs` the messages in flight count as lost and sending goes on.
 * Returns how many were lost.
 */
async function paced(
  n: number,
  window: number,
  send: () => unknown,
  received: () => number,
  pacer: Pacer,
  stallMs: number,
): Promise<number> {
  const base = received();
  let lost = 0;
  let seen = received();
  let stalled = false;
  const iv = setInterval(() => {
    if (received() === seen) {
      stalled = true;
      const w = pacer.wake;
      pacer.wake = undefined;
      w?.();
    }
    seen = received();
  }, stallMs);
  try {
    for (let i = 0; i < n; i++) {
      while (i - (received() - base) - lost >= window) {
        await new Promise<void>((r) => (pacer.wake = r));
        if (stalled) {
          stalled = false;
          lost = i - (received() - base);
        }
      }
      await send();
    }
    while (received() - base + lost < n) {
      await new Promise<void>((r) => (pacer.wake = r));
      if (stalled) break;
    }
    return n - (received() - base);
  } finally {
    clearInterval(iv);
  }
}

/** Messages lost per case over the measured runs. */
const losses = new Map<string, { lost: number; sent: number }>();
function countLoss(name: string, lost: number, sent: number): void {
  const l = losses.get(name) ?? { lost: 0, sent: 0 };
  l.lost += lost;
  l.sent += sent;
  losses.set(name, l);
}

async function forwarding(
  name: string,
  make: () => Promise<[ConvergenceLayer, ConvergenceLayer]>,
  size: number,
  n: number,
  work: Work,
  window: number,
): Promise<BenchResult> {
  const [ca, cb] = await make();
  const clock = new RealClock();
  const a = new BundleAgent({
    node: 1,
    clock,
    clas: [ca],
    routes: [{ node: 2, address: cb.address }],
  });
  const b = new BundleAgent({ node: 2, clock, clas: [cb] });
  let delivered = 0;
  const pacer: Pacer = { wake: undefined };
  b.register(1).events.on('bundle', () => {
    delivered++;
    const w = pacer.wake;
    pacer.wake = undefined;
    w?.();
  });
  const payload = new SeededRandom(size).bytes(size);
  const stallMs = name.includes('UDP') ? 20 : 10_000;
  try {
    return await measureCase(
      name,
      async () => {
        const lost = await paced(
          n,
          window,
          () => a.send('ipn:2.1', payload, { lifetime: 60_000 }),
          () => delivered,
          pacer,
          stallMs,
        );
        countLoss(name, lost, n);
      },
      work,
    );
  } finally {
    a.close();
    b.close();
    await ca.close();
    await cb.close();
  }
}

async function bareUdp(size: number, n: number, work: Work): Promise<BenchResult> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
  for (const s of [rx, tx]) {
    s.setRecvBufferSize(8 << 20);
    s.setSendBufferSize(8 << 20);
  }
  const port = rx.address().port;
  let got = 0;
  const pacer: Pacer = { wake: undefined };
  rx.on('message', () => {
    got++;
    const w = pacer.wake;
    pacer.wake = undefined;
    w?.();
  });
  const msg = new Uint8Array(size).fill(0x5a);
  const name = 'bare node:dgram';
  try {
    return await measureCase(
      name,
      async () => {
        const lost = await paced(
          n,
          udpWindow(size),
          () => tx.send(msg, port, '127.0.0.1'),
          () => got,
          pacer,
          20,
        );
        countLoss(`${name} ${size}`, lost, n);
      },
      work,
    );
  } finally {
    await new Promise<void>((r) => rx.close(() => r()));
    await new Promise<void>((r) => tx.close(() => r()));
  }
}

/**
 * The bare TCP pair: one socket writes `n` frames (a 4-octet length, then the message) as fast
 * as the socket takes them. With `split` the receiver splits the stream into its messages, as
 * the receiver of any message protocol over TCP must, and does nothing else with them: a
 * message inside one chunk is a view of it, a message spanning chunks is copied together into
 * a buffer of its own (TCPCL's receiver does the same with a segment). Without `split` it only
 * counts octets (a stream's rate, not a message rate).
 */
async function bareTcp(size: number, n: number, work: Work, split: boolean): Promise<BenchResult> {
  const frameLength = 4 + size;
  let octets = 0;
  let got = 0;
  let wake: (() => void) | undefined;
  let last: Uint8Array | undefined; // the last message, so splitting cannot be optimised away
  // Splitting state: a length still arriving (its octets in `head`), or a message spanning
  // chunks (`spanning`, `filled` octets of it there).
  const head = new Uint8Array(4);
  let headLength = 0;
  let spanning: Uint8Array | undefined;
  let filled = 0;
  const splitChunk = (d: Uint8Array): number => {
    let whole = 0;
    let at = 0;
    while (at < d.length) {
      if (spanning !== undefined) {
        const k = Math.min(spanning.length - filled, d.length - at);
        spanning.set(d.subarray(at, at + k), filled);
        filled += k;
        at += k;
        if (filled === spanning.length) {
          last = spanning;
          spanning = undefined;
          whole++;
        }
        continue;
      }
      if (headLength > 0 || d.length - at < 4) {
        while (headLength < 4 && at < d.length) head[headLength++] = d[at++]!;
        if (headLength < 4) break;
        headLength = 0;
        spanning = new Uint8Array(
          ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0,
        );
        filled = 0;
        continue;
      }
      const len = ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
      at += 4;
      if (d.length - at >= len) {
        last = d.subarray(at, at + len);
        at += len;
        whole++;
      } else {
        spanning = new Uint8Array(len);
        filled = 0;
      }
    }
    return whole;
  };
  const server = createServer((s) =>
    s.on('data', (d: Uint8Array) => {
      let whole: number;
      if (split) whole = splitChunk(d);
      else {
        octets += d.length;
        whole = Math.floor(octets / frameLength);
        octets -= whole * frameLength;
      }
      got += whole;
      if (whole > 0) wake?.();
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const sock: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.setNoDelay(true);
  const frame = new Uint8Array(frameLength).fill(0x5a);
  new DataView(frame.buffer).setUint32(0, size);
  let result: BenchResult;
  try {
    result = await measureCase(
      split ? 'bare node:net, messages split' : 'bare node:net',
      async () => {
        const target = got + n;
        for (let i = 0; i < n; i++) {
          if (!sock.write(frame)) await new Promise((r) => sock.once('drain', r));
        }
        while (got < target) await new Promise<void>((r) => (wake = r));
      },
      work,
    );
  } finally {
    sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
  if (split && last?.length !== size) throw new Error('the bare TCP receiver split no message');
  return result;
}

/**
 * The store of a forwarding agent: each bundle stored, then deleted once forwarded, 32 turns of
 * the event loop later (in flight meanwhile).
 */
async function storeChurn(
  name: string,
  make: (dir: string) => BundleStore & { close?(): void },
  n: number,
  work: Work,
): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-bp-store-'));
  const store = make(dir);
  const bundle = sample(1024);
  let k = 0;
  try {
    return await measureCase(
      name,
      async () => {
        const base = k;
        for (let i = 0; i < n; i++) {
          store.put(`b${k++}`, bundle, 0);
          if (i >= 32) store.delete(`b${base + i - 32}`);
          if (i % 32 === 31) await new Promise((r) => setImmediate(r));
        }
        for (let i = Math.max(0, n - 32); i < n; i++) store.delete(`b${base + i}`);
        await new Promise((r) => setImmediate(r));
      },
      work,
    );
  } finally {
    store.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the bundle protocol benchmarks. */
export async function run(): Promise<void> {
  {
    const n = 2000;
    const work: Work = { items: n, itemName: 'bundles', bytes: n * sample(1024).length };
    const dirStore = await storeChurn(
      'store: DirectoryBundleStore, 1 KiB bundles stored and deleted',
      (d) => new DirectoryBundleStore(d),
      n,
      work,
    );
    report(LAYER, dirStore, work);
    report(
      LAYER,
      await storeChurn(
        'store: JournalBundleStore, 1 KiB bundles stored and deleted',
        (d) => new JournalBundleStore(d),
        n,
        work,
      ),
      work,
      dirStore,
    );
  }
  for (const size of [1024, 60 * 1024]) {
    const bytes = sample(size);
    const n = size > 4096 ? 200 : 5000;
    const work: Work = { items: n, itemName: 'bundles', bytes: n * bytes.length };
    report(
      LAYER,
      await measureCase(
        `encodeBundle ${size} B payload`,
        () => {
          const b = decodeBundle(bytes);
          for (let i = 0; i < n; i++) encodeBundle(b);
        },
        work,
      ),
      work,
    );
    report(
      LAYER,
      await measureCase(
        `decodeBundle ${size} B payload`,
        () => {
          for (let i = 0; i < n; i++) decodeBundle(bytes);
        },
        work,
      ),
      work,
    );
  }
  for (const size of [1024, 60 * 1024]) {
    const n = size > 4096 ? 200 : 2000;
    const wire = sample(size).length + 40; // the forwarded bundle, with previous node and hop blocks
    const work: Work = { items: n, itemName: 'bundles', bytes: n * size };
    const udpPeer = await bareUdp(wire, n, work);
    const udp = await forwarding(
      `agent to agent over UDP, ${size} B payload`,
      async () => [await openUdpCla(), await openUdpCla()],
      size,
      n,
      work,
      udpWindow(size),
    );
    report(LAYER, udp, work, udpPeer);
    const la = losses.get(udp.name);
    const lb = losses.get(`bare node:dgram ${wire}`);
    if (la !== undefined && lb !== undefined)
      console.log(
        `${LAYER}   (UDP ${size} B: ${((100 * la.lost) / la.sent).toFixed(2)}% lost agent to agent, ${((100 * lb.lost) / lb.sent).toFixed(2)}% bare)`,
      );
    const tcpStream = await bareTcp(wire, n, work, false);
    const tcpPeer = await bareTcp(wire, n, work, true);
    const tcpcl = await forwarding(
      `agent to agent over TCPCLv4, ${size} B payload`,
      async () => [
        await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' }),
        await TcpclConvergenceLayer.open({ nodeId: 'ipn:2.0' }),
      ],
      size,
      n,
      work,
      tcpclWindow(size),
    );
    report(LAYER, tcpcl, work, tcpPeer);
    console.log(
      `${LAYER}   (TCPCLv4 ${size} B: ${(tcpStream.seconds / tcpcl.seconds).toFixed(2)}x a bare node:net pair that only counts octets: ${formatThroughput(tcpStream, work)})`,
    );
  }
}
