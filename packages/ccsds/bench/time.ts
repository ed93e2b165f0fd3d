/** Benchmarks of `ccsds/time`: CUC and CDS encode and decode (CCSDS 301.0-B-4). */
import {
  cdsFromInstant,
  cucFromInstant,
  decodeCds,
  decodeCuc,
  encodeCds,
  encodeCuc,
  instantFromDate,
  type CdsTime,
  type CucTime,
} from '../src/time/index.js';
import { bench } from './harness.js';

const N = 1000;

/** Runs the time code benchmarks. */
export async function run(): Promise<void> {
  const start = Date.UTC(2024, 0, 1);
  const cuc: CucTime[] = [];
  const cds: CdsTime[] = [];
  for (let i = 0; i < N; i++) {
    const instant = instantFromDate(new Date(start + i * 7919));
    cuc.push(cucFromInstant(instant, { coarseOctets: 4, fineOctets: 2 }));
    cds.push(cdsFromInstant(instant, { subMs: 'microseconds' }));
  }
  const cucBytes = cuc.map((t) => encodeCuc(t));
  const cdsBytes = cds.map((t) => encodeCds(t));
  const work = { items: N, itemName: 'codes' };
  const none = 'no JS peer installed here';
  await bench(
    'time',
    'CUC 4+2 encode (P-field + T-field)',
    () => {
      for (const t of cuc) encodeCuc(t);
    },
    work,
    none,
  );
  await bench(
    'time',
    'CUC 4+2 decode',
    () => {
      for (const b of cucBytes) decodeCuc(b);
    },
    work,
    none,
  );
  await bench(
    'time',
    'CDS 16-bit day + us encode',
    () => {
      for (const t of cds) encodeCds(t);
    },
    work,
    none,
  );
  await bench(
    'time',
    'CDS 16-bit day + us decode',
    () => {
      for (const b of cdsBytes) decodeCds(b);
    },
    work,
    none,
  );
}
