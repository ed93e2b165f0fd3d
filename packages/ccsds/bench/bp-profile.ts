/**
 * Profiling driver for bundle forwarding (not part of `npm run bench`): two agents in this
 * process forward `n` bundles over one convergence layer on loopback, and the run prints the
 * rate, what arrived and the CPU time per bundle (both agents together), which is steadier than
 * wall time on a shared machine. Run it under the profiler:
 *
 * `node --cpu-prof --import tsx --conditions=ccsds-source packages/ccsds/bench/bp-profile.ts tcpcl 1024 50000 64`
 *
 * Arguments: `mem|udp|tcpcl` (`mem`: an in-memory network, no sockets, so the figure is the
 * agents' own cost), payload size, bundle count, bundles the application keeps sent but
 * not yet forwarded (over UDP: not yet delivered; 32 there in `npm run bench`).
 */
import { RealClock, SeededRandom } from '../src/core/index.js';
import { BundleAgent, PlainConvergenceLayer } from '../src/bp/index.js';
import { MemoryNetwork } from '../src/transport/index.js';
import { TcpclConvergenceLayer, openUdpCla } from '../src/bp/node/index.js';

const proto = process.argv[2] ?? 'tcpcl';
const size = Number(process.argv[3] ?? 1024);
const n = Number(process.argv[4] ?? 20000);
const win = Number(process.argv[5] ?? 64);
const mem = new MemoryNetwork();
const [ca, cb] =
  proto === 'mem'
    ? [
        new PlainConvergenceLayer(mem.endpoint('a'), 'mem', 'mem'),
        new PlainConvergenceLayer(mem.endpoint('b'), 'mem', 'mem'),
      ]
    : proto === 'udp'
      ? [await openUdpCla(), await openUdpCla()]
      : [
          await TcpclConvergenceLayer.open({ nodeId: 'ipn:1.0' }),
          await TcpclConvergenceLayer.open({ nodeId: 'ipn:2.0' }),
        ];
const clock = new RealClock();
const a = new BundleAgent({
  node: 1,
  clock,
  clas: [ca],
  routes: [{ node: 2, address: cb.address }],
});
const b = new BundleAgent({ node: 2, clock, clas: [cb] });
let delivered = 0;
let forwarded = 0;
let wake: (() => void) | undefined;
const poke = (): void => {
  const w = wake;
  wake = undefined;
  w?.();
};
b.register(1).events.on('bundle', () => {
  delivered++;
  poke();
});
a.events.on('forwarded', () => {
  forwarded++;
  poke();
});
const payload = new SeededRandom(size).bytes(size);
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  // UDP is paced on delivery, as in `npm run bench` (forwarded only means the kernel took it).
  while (i - (proto === 'udp' ? delivered : forwarded) >= win)
    await new Promise<void>((r) => (wake = r));
  await a.send('ipn:2.1', payload, { lifetime: 60_000 });
}
const deadline = Date.now() + 3000;
while (delivered < n && Date.now() < deadline) {
  await new Promise<void>((r) => {
    wake = r;
    setTimeout(r, 50);
  });
}
const s = (performance.now() - t0) / 1000;
const cu = process.cpuUsage(c0);
console.log(
  `${proto} ${size}: ${delivered}/${n} delivered, ${(delivered / s).toFixed(0)} bundles/s, ` +
    `${((delivered * size * 8) / s / 1e6).toFixed(0)} Mbit/s, ` +
    `${((cu.user + cu.system) / n).toFixed(1)} us CPU per bundle`,
);
a.close();
b.close();
await ca.close();
await cb.close();
