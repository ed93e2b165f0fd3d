/**
 * CFDP completion time against downlink Eb/N0: the LEO scenario's 1 MiB image download run
 * through the whole simulated stack (CFDP Class 2 in Space Packets, TM frames, RS(255,223) I=5
 * + convolutional r=1/2 on an AWGN BPSK channel) at a sweep of Eb/N0 values, a few seeds each.
 * Prints a markdown table and writes an SVG plot (default docs/cfdp-ebn0.svg).
 * Run: `npm run plot:ebn0 [-- out.svg]` (about a minute on one core).
 */
import { writeFileSync } from 'node:fs';
import { LEO_SCENARIO, Mission } from 'ccsds/mission';

const out = process.argv[2] ?? 'docs/cfdp-ebn0.svg';
const EB_N0 = [1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 3.0, 4.0, 6.0];
const SEEDS = [1, 2, 3];
const SIZE = 1024 * 1024;
const MAX_S = 600;

interface Point {
  ebN0: number;
  seed: number;
  seconds: number | undefined;
  naks: number;
  lostCodeblocks: number;
}

const points: Point[] = [];
for (const ebN0 of EB_N0) {
  for (const seed of SEEDS) {
    const s = structuredClone(LEO_SCENARIO);
    s.seed = seed;
    s.maxDurationS = MAX_S;
    s.passes = [{ startS: 0, endS: MAX_S }];
    delete s.downlink.budget;
    s.downlink.ebN0Db = ebN0;
    s.telemetry = { intervalS: 0 };
    s.commands = {};
    s.transfers = [{ direction: 'down', file: 'image.raw', size: SIZE, atS: 0 }];
    const r = await new Mission(s).run();
    const t = r.transfers[0]!;
    if (t.wrongFile) throw new Error(`wrong file at ${ebN0} dB seed ${seed}`);
    points.push({
      ebN0,
      seed,
      seconds: t.status === 'completed' ? t.finishedS! - t.startedS! : undefined,
      naks: r.cfdp.ground.nak,
      lostCodeblocks: r.downlink.uncorrectable,
    });
  }
}

console.log('| Eb/N0 (dB) | completion time (s), per seed | NAKs | codeblocks lost |');
console.log('|---:|---|---:|---:|');
for (const e of EB_N0) {
  const row = points.filter((p) => p.ebN0 === e);
  const times = row.map((p) => (p.seconds === undefined ? 'failed' : p.seconds.toFixed(1)));
  const naks = row.map((p) => p.naks).join(' / ');
  const lost = row.map((p) => p.lostCodeblocks).join(' / ');
  console.log(`| ${e.toFixed(1)} | ${times.join(' / ')} | ${naks} | ${lost} |`);
}

// The plot: completion time (log scale) against Eb/N0, one dot per run, the median joined.
const W = 640;
const H = 400;
const M = { left: 70, right: 20, top: 40, bottom: 55 };
const xMin = EB_N0[0]! - 0.2;
const xMax = EB_N0.at(-1)! + 0.2;
const done = points.filter((p) => p.seconds !== undefined).map((p) => p.seconds!);
const yMin = Math.pow(10, Math.floor(Math.log10(Math.min(...done))));
const yMax = Math.pow(10, Math.ceil(Math.log10(MAX_S)));
const x = (v: number): number => M.left + ((v - xMin) / (xMax - xMin)) * (W - M.left - M.right);
const y = (v: number): number =>
  H -
  M.bottom -
  ((Math.log10(v) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * (H - M.top - M.bottom);
const svg: string[] = [];
svg.push(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">CFDP Class 2, 1 MiB down, RS(255,223) I=5 + conv r=1/2, AWGN BPSK</text>`,
);
for (let d = yMin; d <= yMax; d *= 10) {
  for (const k of [1, 2, 5]) {
    const v = d * k;
    if (v > yMax) break;
    svg.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    svg.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
}
for (const e of EB_N0) {
  svg.push(`<line x1="${x(e)}" x2="${x(e)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`);
  svg.push(
    `<text x="${x(e)}" y="${H - M.bottom + 18}" text-anchor="middle">${e.toFixed(1)}</text>`,
  );
}
svg.push(
  `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`,
  `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="black"/>`,
  `<text x="${(W + M.left) / 2}" y="${H - 12}" text-anchor="middle">downlink Eb/N0 (dB)</text>`,
  `<text transform="translate(18 ${(H - M.bottom + M.top) / 2}) rotate(-90)" text-anchor="middle">completion time (s, log scale)</text>`,
);
const medians: [number, number][] = [];
for (const e of EB_N0) {
  const ts = points
    .filter((p) => p.ebN0 === e && p.seconds !== undefined)
    .map((p) => p.seconds!)
    .sort((a, b) => a - b);
  if (ts.length > 0) medians.push([e, ts[Math.floor(ts.length / 2)]!]);
}
svg.push(
  `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${medians.map(([e, t]) => `${x(e)},${y(t)}`).join(' ')}"/>`,
);
for (const p of points) {
  if (p.seconds !== undefined) {
    svg.push(
      `<circle cx="${x(p.ebN0)}" cy="${y(p.seconds)}" r="3.5" fill="#1f77b4" fill-opacity="0.6"/>`,
    );
  } else {
    const cx = x(p.ebN0);
    const cy = y(yMax) + 10;
    svg.push(
      `<path d="M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}" stroke="#d62728" stroke-width="2"/>`,
    );
  }
}
svg.push(
  `<text x="${W - M.right - 4}" y="${M.top + 14}" text-anchor="end" fill="#d62728">× not complete within ${MAX_S} s (clean CFDP fault or still open)</text>`,
  '</svg>',
);
writeFileSync(out, svg.join('\n') + '\n');
console.log(`\nplot written to ${out}`);
