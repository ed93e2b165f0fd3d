/**
 * The simulated mission end to end, in virtual time: every shipped scenario moves its files
 * byte-identical through CFDP, Space Packets, TM/TC frames, COP-1 and the coding chains, with
 * housekeeping decoded without loss when the link budget has margin; with too little margin the
 * run degrades into retransmissions and then clean CFDP faults, never a wrong file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LEO_SCENARIO,
  Mission,
  type MissionProgress,
  type MissionReport,
  SCENARIOS,
  type Scenario,
  parseScenario,
} from 'ccsds/mission';

function assertAllDelivered(r: MissionReport): void {
  assert.equal(r.ok, true, JSON.stringify(r.transfers));
  for (const t of r.transfers) {
    assert.equal(t.status, 'completed', `${t.file}: ${t.condition}`);
    assert.equal(t.identical, true, t.file);
    assert.equal(t.wrongFile, false);
    assert.equal(t.bytesDone, t.size);
  }
}

for (const name of Object.keys(SCENARIOS)) {
  test(`shipped scenario ${name}: every transfer byte-identical, housekeeping without loss`, async () => {
    const scenario = SCENARIOS[name]!;
    const progress: MissionProgress[] = [];
    const r = await new Mission(structuredClone(scenario)).run({
      onProgress: (p) => progress.push(p),
      progressIntervalS: scenario.lightTimeS > 60 ? 600 : 5,
    });
    assertAllDelivered(r);
    assert.equal(r.transfers.length, scenario.transfers.length);
    // Telemetry: every sample generated before the last light time arrived and decoded.
    assert.ok(r.telemetry.generated > 0);
    assert.equal(r.telemetry.missing, 0);
    assert.equal(r.telemetry.sequenceAnomalies, 0);
    assert.ok(r.telemetry.latest !== undefined);
    assert.equal(r.telemetry.latest.mode, 'NOMINAL');
    assert.ok(r.telemetry.latest.batteryV > 7 && r.telemetry.latest.batteryV < 8);
    // The budget had margin: the link was clean enough that nothing needed repeating.
    assert.ok(r.downlink.budget !== undefined && r.downlink.budget.marginDb > 3);
    assert.equal(r.downlink.uncorrectable, 0);
    assert.equal(r.uplink.rejectedCltus, 0);
    assert.equal(r.cfdp.ground.nak + r.cfdp.spacecraft.nak, 0);
    // Every layer carried the data: file data PDUs in frames in codeblocks.
    const down = scenario.transfers.find((t) => t.direction === 'down')!;
    assert.ok(r.cfdp.spacecraft.fileData >= Math.ceil(down.size / 960));
    assert.ok(r.downlink.framesAccepted * (1115 - 12) >= down.size);
    assert.equal(r.uplink.framesAccepted, r.uplink.cltusReceived);
    // Virtual time: the Mars light time alone is 40 minutes per round trip.
    if (name === 'mars') assert.ok(r.virtualTimeS > 3 * 1200);
    assert.ok(progress.length > 0);
    assert.ok(progress.at(-1)!.transfers.every((t) => t.status === 'completed'));
  });
}

/** The LEO pass with smaller files, for the degradation runs. */
function smallLeo(overrides: (s: Scenario) => void): Scenario {
  const s = structuredClone(LEO_SCENARIO);
  s.transfers = [
    { direction: 'up', file: 'plan.bin', size: 8 * 1024, atS: 1 },
    { direction: 'down', file: 'image.raw', size: 256 * 1024, atS: 1 },
  ];
  overrides(s);
  return s;
}

test('too little downlink margin: RS corrections, lost codeblocks, CFDP NAKs, and still identical files', async () => {
  const r = await new Mission(
    smallLeo((s) => {
      s.downlink.budget = undefined as never;
      delete s.downlink.budget;
      s.downlink.ebN0Db = 2.0;
    }),
  ).run();
  assertAllDelivered(r);
  assert.ok(r.downlink.rsSymbolsCorrected > 0);
  assert.ok(r.downlink.uncorrectable > 0, 'some codeblocks must be lost at 2 dB');
  assert.ok(r.cfdp.ground.nak > 0, 'the ground asks for the lost segments again');
  assert.ok(r.cfdp.spacecraft.fileData > Math.ceil((256 * 1024) / 960));
});

test('too little uplink margin: COP-1 retransmits, and still identical files', async () => {
  const r = await new Mission(
    smallLeo((s) => {
      delete s.uplink.budget;
      s.uplink.ebN0Db = 7.5;
    }),
  ).run();
  assertAllDelivered(r);
  assert.ok(r.uplink.bchCorrected > 0);
  assert.ok(r.uplink.rejectedCltus > 0);
  assert.ok(r.uplink.retransmissions > 0);
});

test('fades on the downlink: codeblocks lost in bursts, recovered by CFDP, identical files', async () => {
  const r = await new Mission(
    smallLeo((s) => {
      s.downlink.bursts = { meanGapS: 1, meanDurationS: 0.02, ebN0Db: -10 };
    }),
  ).run();
  assertAllDelivered(r);
  assert.ok(r.downlink.channel.burstCount > 0);
  assert.ok(r.downlink.uncorrectable > 0 || r.downlink.syncLosses > 0);
  assert.ok(r.cfdp.ground.nak > 0);
});

test('no margin at all: clean CFDP faults, no file under a destination name', async () => {
  const r = await new Mission(
    smallLeo((s) => {
      delete s.downlink.budget;
      delete s.uplink.budget;
      s.downlink.ebN0Db = -3;
      s.uplink.ebN0Db = -3;
      s.maxDurationS = 400;
      s.cfdp = { ...s.cfdp, ackTimerMs: 10_000, ackLimit: 3, inactivityTimerMs: 60_000 };
    }),
  ).run();
  assert.equal(r.ok, false);
  for (const t of r.transfers) {
    assert.equal(t.status, 'failed', `${t.file} should fail cleanly, not stay open`);
    assert.equal(t.identical, undefined, `${t.file} must not appear at the destination`);
    assert.equal(t.wrongFile, false);
    assert.ok(t.condition !== undefined && t.condition !== 'NO_ERROR');
  }
  assert.equal(r.telemetry.decoded, 0);
  assert.equal(r.downlink.framesAccepted, 0);
});

test('a pass plan: transfers wait for the pass, telemetry sent out of contact is lost and counted', async () => {
  const r = await new Mission(
    smallLeo((s) => {
      s.passes = [
        { startS: 0, endS: 20 },
        { startS: 60, endS: 400 },
      ];
      s.transfers = [{ direction: 'down', file: 'late.raw', size: 64 * 1024, atS: 25 }];
    }),
  ).run();
  assertAllDelivered(r);
  const t = r.transfers[0]!;
  assert.ok(t.finishedS! >= 60, `delivered at ${t.finishedS} s, before the second pass`);
  assert.equal(r.downlink.channel.symbolsLostToOutage, 0, 'the spacecraft does not talk to nobody');
});

test('scenario files are checked key by key', () => {
  const good = JSON.stringify(LEO_SCENARIO);
  assert.equal(parseScenario(good).name, 'leo');
  const bad = (mutate: (s: Record<string, unknown>) => void, message: RegExp): void => {
    const s = JSON.parse(good) as Record<string, unknown>;
    mutate(s);
    assert.throws(() => parseScenario(s), { code: 'INVALID_ARGUMENT', message });
  };
  bad((s) => (s['downlnk'] = {}), /downlnk: unknown key/);
  bad((s) => ((s['downlink'] as Record<string, unknown>)['symbolRate'] = -1), /symbolRate/);
  bad((s) => ((s['downlink'] as Record<string, unknown>)['conv'] = '1/3'), /conv/);
  bad((s) => (s['passes'] = [{ startS: 10, endS: 5 }]), /ends before it starts/);
  bad(
    (s) => (s['transfers'] as unknown[]).push({ direction: 'up', file: '../etc/passwd', size: 1 }),
    /plain file name/,
  );
  bad((s) => ((s['ground'] as Record<string, unknown>)['entityId'] = 2), /equals the spacecraft/);
  assert.throws(() => parseScenario('{'), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new Mission({ ...JSON.parse(good), cfdp: { ackTimerMs: 'soon' } }), {
    code: 'INVALID_ARGUMENT',
    message: /ackTimerMs/,
  });
  assert.throws(
    () =>
      new Mission({
        ...JSON.parse(good),
        downlink: { ...LEO_SCENARIO.downlink, budget: { preset: 'jupiter' } },
      }),
    { code: 'INVALID_ARGUMENT', message: /jupiter/ },
  );
});
