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
 *
 * Forwarding runs twice: with both agents (and both sides of the bare pair) in this one process,
 * where the figure is what both ends cost on one core; and with each agent (and each side of the
 * bare pair) in a process of its own (bp-peer.ts), as two nodes run, where each end has a core
 * and the rate is the slower end's. The two-process rows print each end's CPU per bundle. Over
 * UDP the receiving process tells the sending one how many arrived (a small datagram every
 * quarter window) to pace it the same way.
 *
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
import {
  type BenchResult,
  type Work,
  formatThroughput,
  measureCase,
  report,
  resultFrom,
} from './harness.js';
import { forwardedLength, sample } from './bundle-sample.js';
import { MessageSplitter, lengthPrefixedFrame } from './message-splitter.js';
import { type Pacer, paced, poke, udpWindow } from './paced.js';
import { type Line, freePort, runPair } from './peers.js';

const LAYER = 'bp';
/** TCPCL: the application runs ahead by up to 256 bundles / 16 MiB. */
const tcpclWindow = (size: number): number =>
  Math.max(1, Math.min(256, Math.floor((16 << 20) / size)));

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
    poke(pacer);
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
    poke(pacer);
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
 * as the socket takes them. With `split` the receiver splits the stream into its messages
 * ({@link MessageSplitter}), as the receiver of any message protocol over TCP must, and does
 * nothing else with them. Without `split` it only counts octets (a stream's rate, not a message
 * rate).
 */
async function bareTcp(size: number, n: number, work: Work, split: boolean): Promise<BenchResult> {
  const frameLength = 4 + size;
  let octets = 0;
  let got = 0;
  let wake: (() => void) | undefined;
  const splitter = new MessageSplitter();
  const server = createServer((s) =>
    s.on('data', (d: Uint8Array) => {
      let whole: number;
      if (split) whole = splitter.push(d);
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
  const frame = lengthPrefixedFrame(size);
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
  if (split && splitter.last?.length !== size)
    throw new Error('the bare TCP receiver split no message');
  return result;
}

/** What a two-process run measured: seconds for `n` messages at the rate they arrived. */
interface TwoProcessRun {
  seconds: number;
  /** CPU time per message received, µs, of each process while it ran. */
  senderCpu: number;
  receiverCpu: number;
  lost: number;
}

/**
 * Forwarding between two processes, as two nodes run (bp-peer.ts): `kind` `udp` / `tcpcl` (two
 * agents, `size` payload octets) or `bare-udp` / `bare-tcp` (the bare pair, `size`-octet
 * messages), `n` messages, `window` in flight. The rate is the receiver's, from its first
 * message to its last.
 */
async function twoProcesses(
  kind: string,
  size: number,
  n: number,
  window: number,
): Promise<TwoProcessRun> {
  const [port, feedback] = [freePort(), freePort()];
  const common = [String(port), String(n)];
  const [rx, tx]: [Line, Line] = await runPair(
    ['bp-peer.ts', ['receive', kind, ...common, String(feedback), String(window)]],
    ['bp-peer.ts', ['send', kind, ...common, String(size), String(feedback), String(window)]],
  );
  const got = Number(rx['messages']);
  if (!(got > 0)) throw new Error(`bp-peer ${kind}: nothing arrived`);
  return {
    seconds: (Number(rx['seconds']) * n) / got,
    senderCpu: (1e6 * Number(tx['cpuSeconds'])) / got,
    receiverCpu: (1e6 * Number(rx['cpuSeconds'])) / got,
    lost: n - got,
  };
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
    const wire = forwardedLength(size);
    const work: Work = { items: n, itemName: 'bundles', bytes: n * size };
    const udpPeer = await bareUdp(wire, n, work);
    const udp = await forwarding(
      `agent to agent over UDP, one process, ${size} B payload`,
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
      `agent to agent over TCPCLv4, one process, ${size} B payload`,
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
  for (const size of [1024, 60 * 1024]) {
    const wire = forwardedLength(size);
    const n = size > 4096 ? 5000 : 100_000;
    for (const [kind, bare, window] of [
      ['udp', 'bare-udp', udpWindow(size)],
      ['tcpcl', 'bare-tcp', tcpclWindow(size)],
    ] as const) {
      const peer = await twoProcesses(bare, wire, n, window);
      const agents = await twoProcesses(kind, size, n, window);
      const work: Work = { items: n, itemName: 'bundles', bytes: n * size };
      const label = kind === 'udp' ? 'UDP' : 'TCPCLv4';
      report(
        LAYER,
        resultFrom(
          `agent to agent over ${label}, two processes, ${size} B payload`,
          agents.seconds,
          work,
        ),
        work,
        resultFrom(
          `bare ${kind === 'udp' ? 'node:dgram' : 'node:net, messages split'} pair in two processes`,
          peer.seconds,
          work,
        ),
      );
      console.log(
        `${LAYER}   (${label} ${size} B, two processes: CPU per bundle sender ${agents.senderCpu.toFixed(1)} us, receiver ${agents.receiverCpu.toFixed(1)} us; bare ${peer.senderCpu.toFixed(1)} / ${peer.receiverCpu.toFixed(1)} us; lost ${agents.lost} agent to agent, ${peer.lost} bare)`,
      );
    }
  }
}
