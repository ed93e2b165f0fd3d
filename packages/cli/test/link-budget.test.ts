import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODING_SCHEMES, LINK_BUDGET_PRESETS, linkBudget } from 'ccsds/mission';
import { runCli, spawnCli } from './support.js';

const budget = (args: string[]) => runCli(['link', 'budget', ...args]);

const MANUAL = [
  '--frequency',
  '2.2GHz',
  '--distance',
  '1000km',
  '--power',
  '2',
  '--tx-gain',
  '6',
  '--rx-gain',
  '35',
  '--noise-temp',
  '200',
  '--pointing-loss',
  '1',
  '--atmospheric-loss',
  '0.5',
  '--polarization-loss',
  '0.5',
  '--implementation-loss',
  '1',
  '--other-loss',
  '1',
  '--rate',
  '1Mbps',
  '--coding',
  'conv-1/2',
];

test('link budget --preset mars: the table and a closing margin', async () => {
  const r = await budget(['--preset', 'mars']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Mars orbiter.*downlink$/m);
  assert.match(r.stdout, /Free-space path loss\s+-278\.00 dB/);
  assert.match(r.stdout, /Boltzmann constant\s+-228\.60 dBW\/K\/Hz/);
  const expected = linkBudget(LINK_BUDGET_PRESETS.mars.downlink);
  assert.match(r.stdout, new RegExp(`Margin\\s+${expected.marginDb.toFixed(2)} dB`));
  assert.match(r.stdout, /Link closes with 5\.\d\d dB of margin\./);
});

test('link budget with every input on the command line, as JSON (hand-computed numbers)', async () => {
  const r = await budget([...MANUAL, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    input: { frequencyHz: number; distanceM: number; dataRateBps: number };
    budget: { freeSpacePathLossDb: number; cOverN0DbHz: number; marginDb: number; coding: string };
    closes: boolean;
  };
  assert.equal(j.input.frequencyHz, 2.2e9);
  assert.equal(j.input.distanceM, 1e6);
  assert.equal(j.input.dataRateBps, 1e6);
  assert.ok(Math.abs(j.budget.freeSpacePathLossDb - 159.3) < 0.01);
  assert.ok(Math.abs(j.budget.cOverN0DbHz - 86.3) < 0.01);
  assert.ok(Math.abs(j.budget.marginDb - 21.9) < 0.01);
  assert.equal(j.budget.coding, 'conv-1/2');
  assert.equal(j.closes, true);
});

test('a link that does not close: reported clearly, exit code still 0', async () => {
  const r = await budget(['--preset', 'mars', '--rate', '20Mbps']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Link does NOT close: \d+\.\d\d dB short/);
  const j = await budget(['--preset', 'mars', '--rate', '20Mbps', '--json']);
  const parsed = JSON.parse(j.stdout) as { closes: boolean; budget: { marginDb: number } };
  assert.equal(parsed.closes, false);
  assert.ok(parsed.budget.marginDb < 0);
});

test('presets can be overridden; dishes give gains; uplink direction', async () => {
  const base = JSON.parse((await budget(['--preset', 'lunar', '--json'])).stdout) as {
    budget: { marginDb: number; ebN0Db: number };
  };
  const fast = JSON.parse(
    (await budget(['--preset', 'lunar', '--rate', '20M', '--json'])).stdout,
  ) as {
    budget: { marginDb: number };
  };
  // 2 Mbit/s -> 20 Mbit/s costs exactly 10 dB
  assert.ok(Math.abs(base.budget.marginDb - fast.budget.marginDb - 10) < 1e-9);
  const dish = JSON.parse(
    (await budget(['--preset', 'lunar', '--rx-dish', '34', '--efficiency', '0.6', '--json']))
      .stdout,
  ) as { input: { rxAntennaGainDbi: number } };
  // 34 m, 60 % at 8.45 GHz: 67.35 dBi
  assert.ok(
    Math.abs(dish.input.rxAntennaGainDbi - 67.35) < 0.01,
    String(dish.input.rxAntennaGainDbi),
  );
  const up = JSON.parse(
    (await budget(['--preset', 'lunar', '--direction', 'up', '--json'])).stdout,
  ) as {
    direction: string;
    budget: { coding: string };
  };
  assert.equal(up.direction, 'up');
  assert.equal(up.budget.coding, 'bch-63-56');
  const explicit = JSON.parse(
    (await budget(['--preset', 'leo', '--required-ebn0', '7', '--json'])).stdout,
  ) as { budget: { requiredEbN0Db: number; coding: string } };
  assert.equal(explicit.budget.requiredEbN0Db, 7);
  assert.equal(explicit.budget.coding, 'explicit');
});

test('--codes lists every code with its required Eb/N0', async () => {
  const r = await budget(['--codes']);
  assert.equal(r.code, 0);
  for (const [name, info] of Object.entries(CODING_SCHEMES)) {
    assert.match(
      r.stdout,
      new RegExp(
        `^${name.replace(/[+/]/g, '\\$&')}\\s+${info.requiredEbN0Db.toFixed(1)} dB at ${info.target}`,
        'm',
      ),
    );
  }
  const j = JSON.parse((await budget(['--codes', '--json'])).stdout) as { codes: object };
  assert.deepEqual(Object.keys(j.codes), Object.keys(CODING_SCHEMES));
});

test('missing or malformed inputs: exit code 2 with a clear message', async () => {
  const cases: [string[], RegExp][] = [
    [['--frequency', '2.2GHz'], /missing --distance, --power/],
    [['--preset', 'jupiter'], /unknown preset 'jupiter'/],
    [['--preset', 'leo', '--direction', 'sideways'], /--direction must be down or up/],
    [['--preset', 'leo', '--frequency', '2.2 parsecs'], /--frequency must be a number/],
    [['--preset', 'leo', '--coding', 'magic'], /unknown coding 'magic'/],
    [['--preset', 'leo', '--power', '1', '--power-dbw', '0'], /not both/],
    [['--preset', 'leo', '--rx-gain', '3', '--rx-dish', '2'], /not both/],
    [['--preset', 'leo', '--pointing-loss', 'lots'], /--pointing-loss must be a number of dB/],
  ];
  for (const [args, message] of cases) {
    const r = await budget(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
  // out-of-range values reach the library's checks: INVALID_ARGUMENT, exit 1
  const neg = await budget(['--preset', 'leo', '--noise-temp', '-5', '--json']);
  assert.equal(neg.code, 1);
  assert.equal(
    (JSON.parse(neg.stdout) as { error: { code: string } }).error.code,
    'INVALID_ARGUMENT',
  );
});

test('as a real process: ccsds link budget --preset leo --json', async () => {
  const r = await spawnCli(['link', 'budget', '--preset', 'leo', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { budget: { marginDb: number } };
  assert.ok(
    Math.abs(j.budget.marginDb - linkBudget(LINK_BUDGET_PRESETS.leo.downlink).marginDb) < 1e-9,
  );
});
