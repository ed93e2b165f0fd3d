import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from 'ccsds/core';
import {
  createStatusReport,
  bundlePayload,
  decodeAdminRecord,
  decodeBundle,
  decodeCbor,
  encodeBundle,
  encodeCbor,
  parseEid,
  createBundle,
  StatusReason,
} from 'ccsds/bp';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

const file = loadVectors<{
  vectors: { hex: string; name: string }[];
  rfc9173_examples: { hex: string }[];
}>('bp/bundles.json');
const seeds = [
  ...file.vectors
    .filter((v) => v.hex.length < 1000 && v.name.startsWith('ion-udp'))
    .map((v) => fromHex(v.hex)),
  ...file.rfc9173_examples.map((v) => fromHex(v.hex)),
];

test('fuzz: decodeBundle throws only CcsdsError, and what it accepts re-encodes', () => {
  const stats = fuzzDecoder(
    (b) => {
      const d = decodeBundle(b, { maxBundleLength: 4096 });
      // Anything accepted must re-encode and decode to the same structure.
      const again = decodeBundle(encodeBundle(d));
      assert.equal(again.blocks.length, d.blocks.length);
    },
    { seeds, runs: 100_000, seed: 9171 },
  );
  assert.ok(stats.accepted > 100, `accepted ${stats.accepted}`);
  assert.ok(stats.rejected > 50_000);
});

test('fuzz: decodeAdminRecord and decodeCbor throw only CcsdsError', () => {
  const subject = createBundle({
    destination: parseEid('ipn:2.1'),
    source: parseEid('ipn:1.1'),
    payload: new Uint8Array(3),
    creationTime: 5,
  });
  const reports = [
    bundlePayload(
      createStatusReport(
        subject,
        { received: true, delivered: true },
        StatusReason.NO_KNOWN_ROUTE,
        parseEid('ipn:3.0'),
        { dtnTime: 9, sequenceNumber: 1 },
      ),
    ),
    encodeCbor([1, [[[true, 5], [false], [false], [true]], 3, [2, [1, 1]], [5, 0]]]),
    encodeCbor([7, { map: [[1, [1, 2, { tag: 3, value: 'x' }]]] }]),
  ];
  const s1 = fuzzDecoder((b) => decodeAdminRecord(b), { seeds: reports, runs: 100_000, seed: 61 });
  assert.ok(s1.accepted > 10 && s1.rejected > 10);
  const s2 = fuzzDecoder((b) => decodeCbor(b, { maxDepth: 8, maxItems: 1000 }), {
    seeds: [...reports, ...seeds.slice(0, 3)],
    runs: 100_000,
    seed: 8949,
  });
  assert.ok(s2.accepted > 10 && s2.rejected > 10);
});
