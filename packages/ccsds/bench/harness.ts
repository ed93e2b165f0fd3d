/**
 * Benchmark harness: one printed line per case with its throughput and, where a peer was measured
 * in the same run, the ratio to it. Timing uses mitata's `measure` (warm-up, many samples);
 * throughput is computed from the median time per iteration.
 */
import { measure } from 'mitata';

/** What one iteration of a case processes, for throughput lines. */
export interface Work {
  /** Items per iteration (packets, frames, PDUs, ...). */
  items?: number;
  /** Name of the item, plural (default "items"). */
  itemName?: string;
  /** Octets per iteration. */
  bytes?: number;
}

/** A measured case. */
export interface BenchResult {
  name: string;
  /** Median seconds per iteration. */
  seconds: number;
  itemsPerSecond: number | undefined;
  bitsPerSecond: number | undefined;
}

function fmt(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(2) + ' k';
  return n.toFixed(2) + ' ';
}

/** Formats throughput as e.g. "5.21 M packets/s, 1.02 Gbit/s". */
export function formatThroughput(r: BenchResult, work: Work): string {
  const parts: string[] = [];
  if (r.itemsPerSecond !== undefined)
    parts.push(`${fmt(r.itemsPerSecond)}${work.itemName ?? 'items'}/s`);
  if (r.bitsPerSecond !== undefined) parts.push(`${fmt(r.bitsPerSecond)}bit/s`);
  return parts.join(', ');
}

/** Builds a result from a time per iteration measured elsewhere (e.g. an external peer). */
export function resultFrom(name: string, seconds: number, work: Work): BenchResult {
  return {
    name,
    seconds,
    itemsPerSecond: work.items !== undefined ? work.items / seconds : undefined,
    bitsPerSecond: work.bytes !== undefined ? (work.bytes * 8) / seconds : undefined,
  };
}

/** Measures `fn` (synchronous or async) and returns the result without printing. */
export async function measureCase(
  name: string,
  fn: () => unknown,
  work: Work,
): Promise<BenchResult> {
  const stats = await measure(fn, { min_cpu_time: 300e6 });
  const seconds = (stats.p50 ?? stats.avg) / 1e9;
  return resultFrom(name, seconds, work);
}

/**
 * Prints one line: `<layer> <case>: <throughput>[ (x.xx× <peer>)]`.
 * `peer` is a result measured in the same run, or a string saying why no peer ran.
 */
export function report(
  layer: string,
  r: BenchResult,
  work: Work,
  peer?: BenchResult | string,
): void {
  let line = `${layer} ${r.name}: ${formatThroughput(r, work)}`;
  if (typeof peer === 'string') line += ` (peer: ${peer})`;
  else if (peer !== undefined) {
    const ratio = peer.seconds / r.seconds;
    line += ` (${ratio.toFixed(2)}x ${peer.name}: ${formatThroughput(peer, work)})`;
  }
  console.log(line);
}

/** Measures and prints a case in one call. */
export async function bench(
  layer: string,
  name: string,
  fn: () => unknown,
  work: Work,
  peer?: BenchResult | string,
): Promise<BenchResult> {
  const r = await measureCase(name, fn, work);
  report(layer, r, work, peer);
  return r;
}
