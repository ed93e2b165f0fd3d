/**
 * One side of a two-process forwarding benchmark (bp.ts runs both): a bundle agent over UDP or
 * TCPCLv4, or the bare node:dgram / node:net pair it is set against, each side a process of its
 * own, as two nodes are.
 *
 *   bp-peer.ts receive <kind> <port> <count> <feedbackPort> <window>
 *     prints {"ready":true} once listening, then {"side":"receiver",...}: messages (bundles
 *     delivered to an application, or bare messages) and the seconds from the first to the last
 *   bp-peer.ts send <kind> <port> <count> <size> <feedbackPort> <window>
 *     prints {"side":"sender",...} once done
 *
 * `kind`: `udp`, `tcpcl` (agent to agent: node 1 originates bundles of `size` payload octets for
 * `ipn:2.1`, node 2 delivers them to a registration) or `bare-udp`, `bare-tcp` (messages of
 * `size` octets). Over UDP both pairs are paced alike: the receiver tells the sender how many
 * arrived (a 4-octet count to `feedbackPort`, every quarter window) and the sender keeps at
 * most `window` in flight; a 20 ms stall counts what is in flight as lost. Over TCP the stream
 * paces: the bare sender writes while the socket takes it, and the agent keeps at most `window`
 * bundles sent but not yet acknowledged by the peer (TCPCL's XFER_ACK).
 */
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { RealClock, SeededRandom } from '../src/core/index.js';
import { BundleAgent, type ConvergenceLayer } from '../src/bp/index.js';
import { TcpclConvergenceLayer, openUdpCla } from '../src/bp/node/index.js';
import { MessageSplitter, lengthPrefixedFrame } from './message-splitter.js';
import { type Pacer, paced, poke } from './paced.js';

const args = process.argv.slice(2);
const [mode, kind] = args;
const host = '127.0.0.1';

/** CPU time of this process (user + system) since `cpuStart`, seconds. */
let cpuStart = process.cpuUsage();
function cpuSeconds(): number {
  const u = process.cpuUsage(cpuStart);
  return (u.user + u.system) / 1e6;
}

function print(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function receive(port: number, count: number, feedbackPort: number, window: number) {
  let messages = 0;
  let octets = 0;
  let t0 = 0;
  let last = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  // Over UDP some may be lost: the run ends 1 s after the last arrival (checked on a timer, not
  // by re-arming one per message, which would cost the receiver more than its work).
  const idle = setInterval(() => {
    if (messages > 0 && performance.now() - last > 1000) finish();
  }, 100);
  const every = Math.max(1, Math.floor(window / 4));
  const feedback = createSocket('udp4');
  const word = new Uint8Array(4);
  const view = new DataView(word.buffer);
  const arrived = (n: number, length: number): void => {
    if (n === 0) return;
    last = performance.now();
    if (messages === 0) {
      t0 = last;
      cpuStart = process.cpuUsage();
    }
    const before = messages;
    messages += n;
    octets += length;
    if (kind === 'udp' || kind === 'bare-udp') {
      if (Math.floor(messages / every) !== Math.floor(before / every) || messages >= count) {
        view.setUint32(0, messages);
        feedback.send(word, feedbackPort, host);
      }
    }
    if (messages >= count) finish();
  };
  let close: () => Promise<void>;
  if (kind === 'bare-udp') {
    const s = createSocket('udp4');
    s.on('message', (m) => arrived(1, m.length));
    await new Promise<void>((r) => s.bind(port, host, () => r()));
    s.setRecvBufferSize(8 << 20);
    close = () => new Promise<void>((r) => s.close(() => r()));
  } else if (kind === 'bare-tcp') {
    const split = new MessageSplitter();
    const server = createServer((c) =>
      c.on('data', (d: Uint8Array) => arrived(split.push(d), d.length)),
    );
    await new Promise<void>((r) => server.listen(port, host, () => r()));
    close = async () => {
      if (split.last === undefined) throw new Error('the bare TCP receiver split no message');
      server.close();
    };
  } else {
    const cla: ConvergenceLayer =
      kind === 'udp'
        ? await openUdpCla({ host, port })
        : await TcpclConvergenceLayer.open({ host, port, nodeId: 'ipn:2.0' });
    const agent = new BundleAgent({ node: 2, clock: new RealClock(), clas: [cla] });
    agent.register(1).events.on('bundle', (payload) => arrived(1, payload.length));
    close = async () => {
      agent.close();
      await cla.close();
    };
  }
  print({ ready: true });
  await done;
  clearInterval(idle);
  print({
    side: 'receiver',
    messages,
    octets,
    seconds: (last - t0) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: cpuSeconds(),
  });
  feedback.close();
  await close();
  process.exit(0);
}

async function send(
  port: number,
  count: number,
  size: number,
  feedbackPort: number,
  window: number,
) {
  const pacer: Pacer = { wake: undefined };
  let lost = 0;
  const t0 = performance.now();
  cpuStart = process.cpuUsage();
  if (kind === 'bare-tcp') {
    const sock = connect({ host, port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.setNoDelay(true);
    const frame = lengthPrefixedFrame(size);
    for (let i = 0; i < count; i++) {
      if (!sock.write(frame)) await new Promise((r) => sock.once('drain', r));
    }
    await new Promise<void>((r) => sock.end(() => r()));
  } else if (kind === 'bare-udp' || kind === 'udp') {
    let received = 0;
    const feedback = createSocket('udp4');
    feedback.on('message', (m) => {
      received = Math.max(received, new DataView(m.buffer, m.byteOffset, 4).getUint32(0));
      poke(pacer);
    });
    await new Promise<void>((r) => feedback.bind(feedbackPort, host, () => r()));
    if (kind === 'bare-udp') {
      const tx = createSocket('udp4');
      await new Promise<void>((r) => tx.bind(0, host, () => r()));
      tx.setSendBufferSize(8 << 20);
      const msg = new Uint8Array(size).fill(0x5a);
      lost = await paced(
        count,
        window,
        () => tx.send(msg, port, host),
        () => received,
        pacer,
        20,
      );
      tx.close();
    } else {
      const cla = await openUdpCla();
      const agent = new BundleAgent({
        node: 1,
        clock: new RealClock(),
        clas: [cla],
        routes: [{ node: 2, address: `udp://${host}:${port}` }],
      });
      const payload = new SeededRandom(size).bytes(size);
      lost = await paced(
        count,
        window,
        () => agent.send('ipn:2.1', payload, { lifetime: 60_000 }),
        () => received,
        pacer,
        20,
      );
      agent.close();
      await cla.close();
    }
    feedback.close();
  } else {
    const cla = await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' });
    const agent = new BundleAgent({
      node: 1,
      clock: new RealClock(),
      clas: [cla],
      routes: [{ node: 2, address: `tcpcl://${host}:${port}` }],
    });
    let forwarded = 0;
    agent.events.on('forwarded', () => {
      forwarded++;
      poke(pacer);
    });
    const payload = new SeededRandom(size).bytes(size);
    lost = await paced(
      count,
      window,
      () => agent.send('ipn:2.1', payload, { lifetime: 60_000 }),
      () => forwarded,
      pacer,
      10_000,
    );
    agent.close();
    await cla.close();
  }
  print({
    side: 'sender',
    lost,
    seconds: (performance.now() - t0) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: cpuSeconds(),
  });
  process.exit(0);
}

const n = args.slice(2).map(Number);
if (mode === 'receive') await receive(n[0]!, n[1]!, n[2]!, n[3]!);
else await send(n[0]!, n[1]!, n[2]!, n[3]!, n[4]!);
