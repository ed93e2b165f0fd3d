import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CcsdsError } from 'ccsds/core';
import {
  BOLTZMANN_DBW_PER_K_HZ,
  CODING_SCHEMES,
  dishGainDbi,
  freeSpacePathLossDb,
  LINK_BUDGET_PRESETS,
  linkBudget,
  type LinkBudgetInput,
  maxDataRateBps,
  REQUIRED_EB_N0_DB,
} from 'ccsds/mission';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (±${tol})`);

/** A hand-computed S-band budget (numbers worked out below, to 0.01 dB). */
const BASE: LinkBudgetInput = {
  frequencyHz: 2.2e9,
  distanceM: 1000e3,
  txPowerW: 2, // 3.01 dBW
  txAntennaGainDbi: 6,
  rxAntennaGainDbi: 35,
  systemNoiseTempK: 200, // 23.01 dBK
  losses: {
    pointingDb: 1,
    atmosphericDb: 0.5,
    polarizationDb: 0.5,
    implementationDb: 1,
    otherDb: 1,
  },
  dataRateBps: 1e6, // 60 dB-Hz
  coding: 'conv-1/2',
};

test('known answers: Boltzmann, FSPL, dish gain', () => {
  close(BOLTZMANN_DBW_PER_K_HZ, -228.6, 0.01, 'Boltzmann');
  // 20 log10(4 pi 1e6 2.2e9 / c) = 159.30 dB
  close(freeSpacePathLossDb(1000e3, 2.2e9), 159.3, 0.01, 'FSPL 2.2 GHz 1000 km');
  // Moon at 8.45 GHz: 20 log10(4 pi 3.844e8 8.45e9 / c) = 222.68 dB
  close(freeSpacePathLossDb(384_400e3, 8.45e9), 222.68, 0.01, 'FSPL lunar X-band');
  // FSPL grows 6.02 dB per doubling of distance and of frequency
  close(freeSpacePathLossDb(2e6, 2.2e9) - freeSpacePathLossDb(1e6, 2.2e9), 6.02, 0.01, 'x2 d');
  // DSN 34 m at 8.42 GHz, 60 %: 10 log10(0.6 (pi 34 / 0.035605)^2) = 67.32 dBi
  close(dishGainDbi(34, 0.6, 8.42e9), 67.32, 0.01, '34 m dish');
  // 3 m, 55 %, 2.2 GHz: 10 log10(0.55 (pi 3 / 0.136269)^2) = 34.21 dBi
  close(dishGainDbi(3, 0.55, 2.2e9), 34.21, 0.01, '3 m S-band dish');
});

test('known answer: a whole budget computed by hand', () => {
  const b = linkBudget(BASE);
  close(b.txPowerDbw, 3.01, 0.005, 'P');
  close(b.eirpDbw, 9.01, 0.005, 'EIRP');
  close(b.freeSpacePathLossDb, 159.3, 0.005, 'FSPL');
  assert.equal(b.otherLossesDb, 4);
  // 9.01 - 159.30 - 4 + 35 = -119.29 dBW
  close(b.receivedPowerDbw, -119.29, 0.01, 'Prx');
  close(b.systemNoiseTempDbk, 23.01, 0.005, 'T');
  close(b.gOverTDbPerK, 11.99, 0.005, 'G/T');
  // N0 = -228.60 + 23.01 = -205.59 dBW/Hz; C/N0 = -119.29 + 205.59 = 86.30 dB-Hz
  close(b.noiseDensityDbwPerHz, -205.59, 0.01, 'N0');
  close(b.cOverN0DbHz, 86.3, 0.01, 'C/N0');
  assert.equal(b.dataRateDbHz, 60);
  close(b.ebN0Db, 26.3, 0.01, 'Eb/N0');
  assert.equal(b.requiredEbN0Db, 4.4);
  close(b.marginDb, 21.9, 0.01, 'margin');
  assert.equal(b.coding, 'conv-1/2');
  assert.equal(b.target, 'BER 1e-5');
  close(b.wavelengthM, 0.13627, 0.00001, 'lambda');
});

test('dBW and W inputs agree; explicit required Eb/N0 overrides the table', () => {
  const { txPowerW: _w, ...rest } = BASE;
  const a = linkBudget(BASE);
  const b = linkBudget({ ...rest, txPowerDbw: 10 * Math.log10(2) });
  close(a.marginDb, b.marginDb, 1e-9, 'same margin');
  const c = linkBudget({ ...BASE, requiredEbN0Db: 7 });
  assert.equal(c.requiredEbN0Db, 7);
  assert.equal(c.coding, 'explicit');
  close(c.marginDb, a.ebN0Db - 7, 1e-9, 'explicit margin');
});

test('the required Eb/N0 table: uncoded matches Q(sqrt(2 Eb/N0)) = 1e-5, coding gains ordered', () => {
  // Q(sqrt(2 * 10^0.959)) = 1.0e-5 (uncoded BPSK at 9.59 dB)
  assert.equal(REQUIRED_EB_N0_DB.uncoded, 9.6);
  assert.ok(REQUIRED_EB_N0_DB['rs-255-223+conv-1/2'] < REQUIRED_EB_N0_DB['conv-1/2']);
  assert.ok(REQUIRED_EB_N0_DB['conv-1/2'] < REQUIRED_EB_N0_DB['rs-255-223']);
  assert.ok(REQUIRED_EB_N0_DB['rs-255-223'] < REQUIRED_EB_N0_DB.uncoded);
  assert.ok(REQUIRED_EB_N0_DB['ldpc-ar4ja-1/2-k4096'] < REQUIRED_EB_N0_DB['ldpc-ar4ja-1/2-k1024']);
  assert.ok(REQUIRED_EB_N0_DB['ldpc-ar4ja-1/2-k1024'] < REQUIRED_EB_N0_DB['ldpc-ar4ja-2/3-k1024']);
  assert.ok(REQUIRED_EB_N0_DB['ldpc-ar4ja-2/3-k1024'] < REQUIRED_EB_N0_DB['ldpc-ar4ja-4/5-k1024']);
  for (const [name, info] of Object.entries(CODING_SCHEMES)) {
    // Shannon limit for BPSK is above -1.6 dB; nothing beats it
    assert.ok(info.requiredEbN0Db > -1.59, name);
    assert.ok(info.codeRate > 0 && info.codeRate <= 1, name);
    assert.equal(REQUIRED_EB_N0_DB[name as keyof typeof REQUIRED_EB_N0_DB], info.requiredEbN0Db);
    assert.match(info.target, /^(BER|FER) 1e-\d$/);
  }
});

test('maxDataRateBps solves the budget for the rate', () => {
  const r = maxDataRateBps(BASE, 3);
  const b = linkBudget({ ...BASE, dataRateBps: r });
  close(b.marginDb, 3, 1e-9, 'margin at max rate');
});

test('presets: every preset closes with positive margin both ways', () => {
  for (const [name, p] of Object.entries(LINK_BUDGET_PRESETS)) {
    for (const dir of ['downlink', 'uplink'] as const) {
      const b = linkBudget(p[dir]);
      assert.ok(b.marginDb > 3 && b.marginDb < 25, `${name} ${dir}: margin ${b.marginDb}`);
    }
  }
  // Mars: 2.25e11 m at 8.42 GHz is 278.0 dB of path loss
  close(linkBudget(LINK_BUDGET_PRESETS.mars.downlink).freeSpacePathLossDb, 277.99, 0.01, 'Mars');
});

test('property: margin decreases with distance and with data rate; rises with power', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e3, max: 1e12, noNaN: true }),
      fc.double({ min: 1.01, max: 100, noNaN: true }),
      fc.double({ min: 1, max: 1e8, noNaN: true }),
      (d, k, rate) => {
        const a = linkBudget({ ...BASE, distanceM: d, dataRateBps: rate });
        const far = linkBudget({ ...BASE, distanceM: d * k, dataRateBps: rate });
        const fast = linkBudget({ ...BASE, distanceM: d, dataRateBps: rate * k });
        const loud = linkBudget({ ...BASE, distanceM: d, dataRateBps: rate, txPowerW: 2 * k });
        // exactly 20 log10(k) and 10 log10(k) less
        close(a.marginDb - far.marginDb, 20 * Math.log10(k), 1e-6, 'distance');
        close(a.marginDb - fast.marginDb, 10 * Math.log10(k), 1e-6, 'rate');
        return (
          far.marginDb < a.marginDb && fast.marginDb < a.marginDb && loud.marginDb > a.marginDb
        );
      },
    ),
  );
});

test('bad input: clear INVALID_ARGUMENT errors', () => {
  const bad: Partial<LinkBudgetInput>[] = [
    { frequencyHz: 0 },
    { distanceM: -1 },
    { distanceM: Number.NaN },
    { txPowerDbw: 3 }, // both W and dBW
    { systemNoiseTempK: 0 },
    { dataRateBps: Infinity },
    { losses: { pointingDb: -1 } },
    { coding: 'nope' as never },
    { coding: 'toString' as never },
  ];
  for (const b of bad) {
    assert.throws(
      () => linkBudget({ ...BASE, ...b }),
      (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_ARGUMENT',
      JSON.stringify(b),
    );
  }
  const { coding: _c, ...noCode } = BASE;
  assert.throws(() => linkBudget(noCode), CcsdsError);
  const { txPowerW: _p, ...noPower } = BASE;
  assert.throws(() => linkBudget(noPower), CcsdsError);
  assert.throws(() => dishGainDbi(1, 1.2, 1e9), CcsdsError);
});
