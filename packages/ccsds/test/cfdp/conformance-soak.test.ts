/**
 * Conformance soak (within the `npm test` budget): Class 2, 1 MiB, over a deep-space link —
 * 20 minutes one-way light time, 30% loss, 5% duplication, reordering (2 s jitter) and 1%
 * corruption caught by the PDU CRC — for 20 seeds. Every transfer must complete byte-identical,
 * and no Finished PDU may ever say "complete" for a file that differs from the original.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryCode, FileStatus, NakMode, type Pdu } from 'ccsds/cfdp';
import { Bench, finished, sameBytes } from './conformance-support.js';

const OWLT = 20 * 60_000;
const SEEDS = Number(process.env.CFDP_SOAK_SEEDS ?? 20);
// `npm run soak` raises both: CFDP_SOAK_SEEDS seeds of CFDP_SOAK_MIB MiB.
const SIZE = Number(process.env.CFDP_SOAK_MIB ?? 1) * (1 << 20);

/**
 * Runs the soak for `seeds` seeds in one NAK mode. Stops a seed early (and fails it) when the
 * sender has sent more than `budget` times the file's segments: a transfer that takes that much
 * retransmission would not fit the test budget and is itself a finding.
 */
async function soak(nakMode: NakMode, seeds: number, budget = 4): Promise<void> {
  const t0 = performance.now();
  const perSeed: number[] = [];
  let corrupted = 0;
  let rejected = 0;
  const segments = SIZE / 1024;
  for (let seed = 1; seed <= seeds; seed++) {
    const s0 = performance.now();
    const bench = new Bench({
      seed: 9000 + seed,
      link: { delayMs: OWLT, jitterMs: 2000, loss: 0.3, duplicate: 0.05, corrupt: 0.01 },
      remote: {
        nakMode,
        crc: true,
        ackTimerMs: 2 * OWLT + 10_000,
        nakTimerMs: 2 * OWLT + 10_000,
        inactivityTimerMs: 12 * 3600_000,
        ackLimit: 30,
        nakLimit: 60,
      },
    });
    const data = await bench.file('f', SIZE, seed);
    await bench.put({ sourceFileName: 'f', destinationFileName: 'g', crc: true });
    const what = `${nakMode} seed ${seed}`;
    let fds = 0;
    bench.dropWhen('a', (w) => {
      if (w.label === 'fd') fds++;
      return false;
    });
    await bench.run(
      () => (bench.outcomes.a.length > 0 && bench.outcomes.b.length > 0) || fds > budget * segments,
    );
    assert.ok(
      fds <= budget * segments,
      `${what}: over ${fds} File Data PDUs sent for ${segments} segments (stopped at t=${bench.clock.now()})`,
    );
    const { a, b } = await bench.settle();
    const file = await bench.read('g');
    // Safety first: whenever a Finished said "complete", the file must be the original.
    for (const w of bench.sent('b', 'finished')) {
      const fin = w.pdu as Extract<Pdu, { kind: 'finished' }>;
      if (fin.conditionCode === 0 && fin.deliveryCode === DeliveryCode.DATA_COMPLETE)
        sameBytes(file, data, `${what}: a Finished said complete`);
    }
    assert.equal(finished(b).conditionCode, 0, `${what}: receiver condition`);
    assert.equal(finished(a).conditionCode, 0, `${what}: sender condition`);
    assert.equal(finished(a).fileStatus, FileStatus.RETAINED, what);
    sameBytes(file, data, what);
    assert.ok(bench.clock.now() > 2 * OWLT, `${what}: at least one round trip`);
    assert.ok(await bench.drain(), `${what}: quiet afterwards`);
    let c = 0;
    for (const st of bench.net.stats.values()) c += st.corrupted;
    corrupted += c;
    const errors = bench.a.counters.pduErrors + bench.b.counters.pduErrors;
    rejected += errors;
    // Every corrupted copy was delivered (the link ran dry) and rejected by its CRC.
    assert.equal(errors, c, `${what}: corrupted PDUs rejected`);
    perSeed.push(Math.round(performance.now() - s0));
  }
  assert.ok(corrupted > 0 && rejected === corrupted);
  console.log(
    `soak ${nakMode}: ${seeds} x ${SIZE / 1048576} MiB in ${Math.round(performance.now() - t0)} ms ` +
      `(per seed ${Math.min(...perSeed)}..${Math.max(...perSeed)} ms); ` +
      `${corrupted} corrupted PDUs, all rejected`,
  );
}

test(`soak: Class 2 deferred NAKs, ${SEEDS} seeds x ${SIZE / 1048576} MiB, 20 min light time, 30% loss, 5% dup, jitter, 1% corruption`, async () => {
  await soak(NakMode.DEFERRED, SEEDS);
});

test(`soak: Class 2 immediate NAKs, ${SEEDS} seeds x ${SIZE / 1048576} MiB, same link`, async () => {
  await soak(NakMode.IMMEDIATE, SEEDS);
});
