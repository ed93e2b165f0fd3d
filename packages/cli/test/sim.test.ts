/**
 * `ccsds sim`: a shipped scenario end to end as a real process, the text and JSON reports, exit
 * codes (0 only when every transfer arrived byte-identical), scenario files, --print, scaled
 * real time, and filestores on disk.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, spawnCli } from './support.js';

/** A short LEO pass: small files, so each run takes a moment. */
async function smallScenario(dir: string, ebN0Down?: number): Promise<string> {
  const printed = await runCli(['sim', 'leo', '--print']);
  assert.equal(printed.code, 0);
  const s = JSON.parse(printed.stdout) as Record<string, unknown>;
  s['name'] = 'short-pass';
  s['maxDurationS'] = 120;
  s['transfers'] = [
    { direction: 'up', file: 'plan.bin', size: 4000, atS: 1 },
    { direction: 'down', file: 'pic.raw', size: 100_000, atS: 1 },
  ];
  if (ebN0Down !== undefined) {
    const d = s['downlink'] as Record<string, unknown>;
    delete d['budget'];
    d['ebN0Db'] = ebN0Down;
    s['cfdp'] = { ...(s['cfdp'] as object), ackTimerMs: 5000, ackLimit: 2, nakLimit: 2 };
  }
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(s));
  return file;
}

test('ccsds sim leo as a process: progress on stderr, the report, exit 0', async () => {
  const r = await spawnCli(['sim', 'leo', '--progress', '20']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Scenario leo: every transfer completed byte-identical/);
  assert.match(r.stdout, /up {3}flight-plan\.bin .* completed .* identical/);
  assert.match(r.stdout, /down image\.raw .* completed .* identical/);
  assert.match(r.stdout, /Telemetry \d+ housekeeping packets decoded of \d+ generated, 0 missing/);
  assert.match(r.stderr, /T\+20\.0s AOS .*TM codeblocks \d+ good/);
});

test('a scenario file, --json, --workdir: the files on disk are the ones sent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccsds-sim-'));
  try {
    const file = await smallScenario(dir);
    const hk = join(dir, 'hk.bin');
    const r = await runCli([
      'sim',
      file,
      '--json',
      '--quiet',
      '--workdir',
      join(dir, 'fs'),
      '--telemetry-out',
      hk,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      scenario: string;
      transfers: { file: string; status: string; identical: boolean }[];
    };
    assert.equal(report.ok, true);
    assert.equal(report.scenario, 'short-pass');
    assert.deepEqual(
      report.transfers.map((t) => [t.file, t.status, t.identical]),
      [
        ['plan.bin', 'completed', true],
        ['pic.raw', 'completed', true],
      ],
    );
    const up = await readFile(join(dir, 'fs', 'spacecraft', 'plan.bin'));
    assert.deepEqual(up, await readFile(join(dir, 'fs', 'ground', 'plan.bin')));
    const down = await readFile(join(dir, 'fs', 'ground', 'pic.raw'));
    assert.equal(down.length, 100_000);
    assert.deepEqual(down, await readFile(join(dir, 'fs', 'spacecraft', 'pic.raw')));
    // The received housekeeping decodes with the ordinary telemetry decoder and its definition.
    const decoded = await runCli(['packets', 'decode', hk, '--def', `${hk}.json`]);
    assert.equal(decoded.code, 0, decoded.stderr);
    const rows = decoded.stdout.trim().split('\n');
    assert.ok(rows.length > 5);
    assert.match(rows[0]!, /^UPTIME,MODE,BATTERY_RAW,.*,BATTERY_V,TEMP_C$/);
    assert.ok(rows.slice(1).every((row) => row.includes(',NOMINAL,')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('exit code 1 when a transfer fails; 2 for a bad scenario', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccsds-sim-'));
  try {
    const dead = await smallScenario(dir, -5);
    const r = await runCli(['sim', dead, '--quiet', '--json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { ok: boolean; transfers: { status: string }[] };
    assert.equal(report.ok, false);
    assert.ok(report.transfers.some((t) => t.status !== 'completed'));
    const missing = await runCli(['sim', join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no scenario/);
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ name: 'x', lightTimeS: 1 }));
    const bad = await runCli(['sim', join(dir, 'bad.json'), '--json']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /INVALID_ARGUMENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a YAML scenario file (*.yaml) reads as the same scenario; files that do not parse exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccsds-sim-'));
  try {
    const json = await smallScenario(dir);
    const asJson = await runCli(['sim', json, '--print']);
    assert.equal(asJson.code, 0);
    // The same scenario written as YAML (block style, comments), read back to the same thing.
    const s = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    const yamlText = `# a short LEO pass\n${toYaml(s, '')}`;
    const yamlFile = join(dir, 'scenario.yaml');
    await writeFile(yamlFile, yamlText);
    const asYaml = await runCli(['sim', yamlFile, '--print']);
    assert.equal(asYaml.code, 0, asYaml.stderr);
    assert.deepEqual(JSON.parse(asYaml.stdout), JSON.parse(asJson.stdout));
    await writeFile(join(dir, 'broken.yml'), 'name: [unclosed\n');
    const brokenYaml = await runCli(['sim', join(dir, 'broken.yml')]);
    assert.equal(brokenYaml.code, 2);
    assert.match(brokenYaml.stderr, /not valid YAML/);
    await writeFile(join(dir, 'broken.json'), '{"name": ');
    const brokenJson = await runCli(['sim', join(dir, 'broken.json')]);
    assert.equal(brokenJson.code, 2);
    assert.match(brokenJson.stderr, /not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Block-style YAML of a JSON value (strings quoted as JSON, which YAML accepts). */
function toYaml(v: unknown, indent: string): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]\n';
    return (
      '\n' + v.map((x) => `${indent}- ${toYaml(x, indent + '  ').replace(/^\n\s*/, '')}`).join('')
    );
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return '{}\n';
    return '\n' + entries.map(([k, x]) => `${indent}${k}: ${toYaml(x, indent + '  ')}`).join('');
  }
  return `${JSON.stringify(v)}\n`;
}

test('--real-time runs mission time at the given scale against the wall clock', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccsds-sim-'));
  try {
    const file = await smallScenario(dir);
    const started = Date.now();
    const r = await runCli(['sim', file, '--quiet', '--json', '--real-time', '20']);
    const wallS = (Date.now() - started) / 1000;
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { virtualTimeS: number };
    // Mission time cannot run ahead of 20x the wall clock (it may lag on a busy machine).
    assert.ok(report.virtualTimeS > 2);
    assert.ok(wallS >= (report.virtualTimeS / 20) * 0.9, `${report.virtualTimeS} s in ${wallS} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
