/**
 * Telemetry decoding benchmarks (`ccsds/decode`) on generated files:
 *
 * - fixed-length: 10^6 packets of 30 octets, 10 fields of mixed widths (a 13-bit signed field
 *   at a non-octet offset and an IEEE float among them), compiled and interpreted;
 * - variable-length: 2×10^5 packets with an array of 16-bit values sized by a count field;
 * - mixed-APID: 10^6 packets of four APIDs, each decoded by its own definition in one pass;
 * - streaming: the fixed file in 64 KiB chunks.
 *
 * Where python3 can import numpy and ccsdspy, ccsdspy decodes the same files in the same run and
 * the ratio is printed; otherwise the reason is.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../src/core/index.js';
import {
  type PacketDefinition,
  PacketEncoder,
  TelemetryDecoder,
  decodePackets,
} from '../src/decode/index.js';
import { type BenchResult, bench, resultFrom } from './harness.js';

/** 30-octet packets: 6 header + 24 data octets in 10 fields. */
export const FIXED: PacketDefinition = {
  name: 'fixed',
  apid: 100,
  fields: [
    { name: 'SHCOARSE', type: 'uint', bits: 32 },
    { name: 'SHFINE', type: 'uint', bits: 16 },
    { name: 'MODE', type: 'uint', bits: 3 },
    { name: 'TEMP', type: 'int', bits: 13 },
    { name: 'VOLT', type: 'uint', bits: 16 },
    { name: 'POWER', type: 'float', bits: 32 },
    { name: 'CURRENT', type: 'int', bits: 16 },
    { name: 'FLAGS', type: 'uint', bits: 8 },
    { name: 'COUNTER', type: 'uint', bits: 24 },
    { name: 'STATUS', type: 'uint', bits: 32 },
  ],
};

/** Packets with `N` 16-bit samples, N from a count field. */
export const VARIABLE: PacketDefinition = {
  name: 'variable',
  apid: 200,
  fields: [
    { name: 'SHCOARSE', type: 'uint', bits: 32 },
    { name: 'N', type: 'uint', bits: 8 },
    { name: 'SAMPLES', type: 'uint', bits: 16, shape: 'N' },
    { name: 'CRC', type: 'uint', bits: 16 },
  ],
};

const MIXED: PacketDefinition[] = [
  { ...FIXED, name: 'm100', apid: 100 },
  {
    name: 'm101',
    apid: 101,
    fields: [
      { name: 'T', type: 'uint', bits: 32 },
      { name: 'X', type: 'float', bits: 64 },
      { name: 'Y', type: 'float', bits: 64 },
    ],
  },
  {
    name: 'm102',
    apid: 102,
    fields: [
      { name: 'T', type: 'uint', bits: 32 },
      { name: 'RAW', type: 'uint', bits: 12, shape: 8 },
    ],
  },
  {
    name: 'm103',
    apid: 103,
    fields: [
      { name: 'T', type: 'uint', bits: 32 },
      { name: 'STATE', type: 'uint', bits: 4 },
      { name: 'ERR', type: 'uint', bits: 4 },
    ],
  },
];

function join2(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `n` fixed packets (varied values; the same layout). */
export function makeFixed(n: number, seed = 1): Uint8Array {
  const rng = new SeededRandom(seed);
  const enc = new PacketEncoder(FIXED);
  const proto: Uint8Array[] = [];
  for (let i = 0; i < 256; i++) {
    proto.push(
      enc.encode('fixed', {
        SHCOARSE: rng.nextUint32(),
        SHFINE: rng.nextInt(65536),
        MODE: rng.nextInt(8),
        TEMP: rng.nextInt(8192) - 4096,
        VOLT: rng.nextInt(65536),
        POWER: rng.nextInt(100000) / 7,
        CURRENT: rng.nextInt(65536) - 32768,
        FLAGS: rng.nextInt(256),
        COUNTER: i,
        STATUS: rng.nextUint32(),
      }),
    );
  }
  const out = new Uint8Array(30 * n);
  for (let i = 0; i < n; i++) {
    out.set(proto[i & 255]!, i * 30);
    const c = i & 0x3fff;
    out[i * 30 + 2] = 0xc0 | (c >> 8);
    out[i * 30 + 3] = c & 0xff;
  }
  return out;
}

/** `n` variable packets with 0..63 samples each. */
export function makeVariable(n: number, seed = 2): Uint8Array {
  const rng = new SeededRandom(seed);
  const enc = new PacketEncoder(VARIABLE);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.nextInt(64);
    parts.push(
      enc.encode('variable', {
        SHCOARSE: i,
        SAMPLES: Array.from({ length: k }, () => rng.nextInt(65536)),
        CRC: 0,
      }),
    );
  }
  return join2(parts);
}

function makeMixed(n: number, seed = 3): Uint8Array {
  const rng = new SeededRandom(seed);
  const enc = new PacketEncoder(MIXED);
  const protos = MIXED.map((d) =>
    Array.from({ length: 16 }, () =>
      enc.encode(d.name, {
        T: rng.nextUint32(),
        X: rng.nextInt(1000) / 3,
        Y: -rng.nextInt(1000) / 7,
        RAW: Array.from({ length: 8 }, () => rng.nextInt(4096)),
        STATE: rng.nextInt(16),
        ERR: rng.nextInt(16),
        SHCOARSE: rng.nextUint32(),
        TEMP: -5,
        POWER: 1.5,
      }),
    ),
  );
  const parts: Uint8Array[] = [];
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const a = rng.nextInt(4);
    const p = protos[a]![i & 15]!.slice();
    const c = counts[a]!++ & 0x3fff;
    p[2] = 0xc0 | (c >> 8);
    p[3] = c & 0xff;
    parts.push(p);
  }
  return join2(parts);
}

const PY_FIXED = `
import sys, time
import numpy as np
from ccsdspy import FixedLength, PacketField
pkt = FixedLength([
  PacketField(name='SHCOARSE', data_type='uint', bit_length=32),
  PacketField(name='SHFINE', data_type='uint', bit_length=16),
  PacketField(name='MODE', data_type='uint', bit_length=3),
  PacketField(name='TEMP', data_type='int', bit_length=13),
  PacketField(name='VOLT', data_type='uint', bit_length=16),
  PacketField(name='POWER', data_type='float', bit_length=32),
  PacketField(name='CURRENT', data_type='int', bit_length=16),
  PacketField(name='FLAGS', data_type='uint', bit_length=8),
  PacketField(name='COUNTER', data_type='uint', bit_length=24),
  PacketField(name='STATUS', data_type='uint', bit_length=32),
])
best = 1e9
for _ in range(3):
    t = time.perf_counter(); pkt.load(sys.argv[1]); best = min(best, time.perf_counter() - t)
print(best)
`;

const PY_VARIABLE = `
import sys, time
from ccsdspy import VariableLength, PacketField, PacketArray
pkt = VariableLength([
  PacketField(name='SHCOARSE', data_type='uint', bit_length=32),
  PacketField(name='N', data_type='uint', bit_length=8),
  PacketArray(name='SAMPLES', data_type='uint', bit_length=16, array_shape='N'),
  PacketField(name='CRC', data_type='uint', bit_length=16),
])
t = time.perf_counter(); pkt.load(sys.argv[1]); print(time.perf_counter() - t)
`;

function ccsdspyPeer(
  name: string,
  script: string,
  file: string,
  packets: number,
  bytes: number,
): BenchResult | string {
  const probe = spawnSync('python3', ['-c', 'import numpy, ccsdspy'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `python3 not runnable (${probe.error.message})`;
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').at(-1) ?? '';
    return `ccsdspy not importable by python3 here (${last}; it is not installable from PyPI on this machine — set PYTHONPATH to a ccsdspy checkout to compare)`;
  }
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) return `ccsdspy failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
  return resultFrom(name, Number(r.stdout.trim()), { items: packets, bytes });
}

/** Runs the decode benchmarks. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-decode-'));
  try {
    const nFixed = 1_000_000;
    const fixed = makeFixed(nFixed);
    const fixedFile = join(dir, 'fixed.bin');
    writeFileSync(fixedFile, fixed);
    const wf = { items: nFixed, itemName: 'packets', bytes: fixed.length };
    const peerFixed = ccsdspyPeer(
      'ccsdspy FixedLength.load',
      PY_FIXED,
      fixedFile,
      nFixed,
      fixed.length,
    );
    await bench(
      'decode',
      'fixed 10^6 x 30 octets, 10 fields, compiled',
      () => decodePackets(fixed, FIXED),
      wf,
      peerFixed,
    );
    await bench(
      'decode',
      'fixed 10^6 x 30 octets, 10 fields, interpreted',
      () => decodePackets(fixed, FIXED, { mode: 'interpreted' }),
      wf,
    );
    await bench(
      'decode',
      'fixed, streamed in 64 KiB chunks, 64 Ki-row batches',
      () => {
        let rows = 0;
        const d = new TelemetryDecoder(FIXED, {}, (t) => (rows += t.rows));
        for (let o = 0; o < fixed.length; o += 65536) d.push(fixed.subarray(o, o + 65536));
        d.end();
        return rows;
      },
      wf,
    );

    const nVar = 200_000;
    const variable = makeVariable(nVar);
    const varFile = join(dir, 'variable.bin');
    writeFileSync(varFile, variable);
    const wv = { items: nVar, itemName: 'packets', bytes: variable.length };
    const peerVar = ccsdspyPeer(
      'ccsdspy VariableLength.load',
      PY_VARIABLE,
      varFile,
      nVar,
      variable.length,
    );
    await bench(
      'decode',
      'variable 2x10^5 packets, array sized by a field',
      () => decodePackets(variable, VARIABLE),
      wv,
      peerVar,
    );

    const nMixed = 1_000_000;
    const mixed = makeMixed(nMixed);
    const wm = { items: nMixed, itemName: 'packets', bytes: mixed.length };
    await bench(
      'decode',
      'mixed 4 APIDs 10^6 packets, one pass, one table per APID',
      () => decodePackets(mixed, MIXED),
      wm,
      'ccsdspy needs split_by_apid and one load per APID',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
