import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from 'ccsds/core';
import {
  decodeAsciiTime,
  decodeCcs,
  decodeCds,
  decodeCuc,
  decodeTimeCode,
  timeCodeToInstant,
} from 'ccsds/time';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

const vectors = loadVectors<{ vectors: { hex: string; fields: { code: string } }[] }>(
  'spp/timecodes.json',
).vectors;
const cucSeeds = vectors.filter((v) => v.fields.code === 'CUC').map((v) => fromHex(v.hex));
const cdsSeeds = vectors.filter((v) => v.fields.code === 'CDS').map((v) => fromHex(v.hex));
const ccsSeeds = [
  '52201612312359605025',
  '5820240060010203',
  '5619991231235959123456789012',
  '59200003660000009900',
  '5020230101235960',
].map(fromHex);
const asciiSeeds = [
  '2016-12-31T23:59:60.5Z',
  '2016-366T23:59:60.5Z',
  '2021-001T00:00:00',
  '1999-12-31T23:59:59.123456789012345678901234Z',
  '0001-01-01T00:00:00.0',
  '9999-365T23:59:59.999999Z',
].map((s) => new TextEncoder().encode(s));
const RUNS = 100_000;
// A generous per-input time limit: the machine is shared, and a descheduled process is not a hang.
const maxMillis = 2000;

function check(stats: { runs: number; accepted: number; rejected: number }): void {
  assert.ok(stats.runs >= RUNS);
  assert.ok(stats.accepted > 0, 'some inputs decode');
  assert.ok(stats.rejected > 0, 'some inputs are rejected');
}

test('fuzz decodeCuc: only CcsdsError for 100,000 inputs', () => {
  check(fuzzDecoder((b) => decodeCuc(b), { seeds: cucSeeds, runs: RUNS, seed: 1, maxMillis }));
});

test('fuzz decodeCds: only CcsdsError for 100,000 inputs', () => {
  check(fuzzDecoder((b) => decodeCds(b), { seeds: cdsSeeds, runs: RUNS, seed: 2, maxMillis }));
});

test('fuzz decodeCcs: only CcsdsError for 100,000 inputs', () => {
  check(fuzzDecoder((b) => decodeCcs(b), { seeds: ccsSeeds, runs: RUNS, seed: 3, maxMillis }));
});

test('fuzz decodeAsciiTime (A and B): only CcsdsError for 100,000 inputs', () => {
  check(
    fuzzDecoder((b) => decodeAsciiTime(b), { seeds: asciiSeeds, runs: RUNS, seed: 4, maxMillis }),
  );
});

test('fuzz decodeTimeCode (P-field dispatcher) and its instant: only CcsdsError for 100,000 inputs', () => {
  const seeds = [...cucSeeds, ...cdsSeeds, ...ccsSeeds];
  const agency = {
    cucAgencyEpoch: { seconds: 0n, fraction: 0n },
    cdsAgencyEpoch: { year: 2000, month: 1, day: 1 },
  };
  check(
    fuzzDecoder(
      (b) => {
        const d = decodeTimeCode(b);
        // Whatever decodes also converts, or fails with a CcsdsError (e.g. UTC before 1972).
        return timeCodeToInstant(d, agency);
      },
      { seeds, runs: RUNS, seed: 5, maxMillis },
    ),
  );
});
