import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { tableFromIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { type PacketDefinition, PacketEncoder, definitionsToJson } from 'ccsds/decode';
import { registerDecodeCommands } from '../src/decode.js';
import { buildProgram } from '../src/main.js';
import { CliFailure, type Output } from '../src/output.js';
import { type CliResult, runCli, spawnCli } from './support.js';

/**
 * Runs `ccsds packets decode <args>` in-process through `main` once main.ts registers it; until
 * then through the same program with `decode` added under `packets`, with main's exit codes.
 */
async function decode(args: string[]): Promise<CliResult> {
  const probe = buildProgram({ stdout: () => undefined, stderr: () => undefined });
  const packetsProbe = probe.commands.find((c) => c.name() === 'packets');
  if (packetsProbe?.commands.some((c) => c.name() === 'decode') === true)
    return runCli(['packets', 'decode', ...args]);
  let stdout = '';
  let stderr = '';
  const out: Output = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const program = buildProgram(out);
  registerDecodeCommands(program.commands.find((c) => c.name() === 'packets')!, out);
  let code: number;
  try {
    await program.parseAsync(['packets', 'decode', ...args], { from: 'user' });
    code = out.exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else {
      code = e instanceof CliFailure ? e.exitCode : 1;
      stderr += `ccsds: ${e instanceof Error ? e.message : String(e)}\n`;
    }
  }
  return { code, stdout, stderr };
}

const HK: PacketDefinition = {
  name: 'hk',
  apid: 100,
  fields: [
    { name: 'T', type: 'uint', bits: 32 },
    { name: 'TEMP', type: 'int', bits: 12 },
    { name: 'MODE', type: 'uint', bits: 4 },
    { name: 'RAW', type: 'uint', bits: 8, shape: 2 },
    { name: 'ID', type: 'bytes', bits: 16 },
  ],
  converters: [{ kind: 'enum', output: 'MODE_NAME', input: 'MODE', values: { '1': 'SAFE' } }],
};
const SCI: PacketDefinition = {
  name: 'sci',
  apid: 200,
  fields: [
    { name: 'N', type: 'uint', bits: 8 },
    { name: 'S', type: 'int', bits: 16, shape: 'N' },
    { name: 'BIG', type: 'uint', bits: 64 },
  ],
};

function fixture(dir: string): { bin: string; json: string; csv: string } {
  const enc = new PacketEncoder([HK, SCI]);
  const parts = [
    enc.encode('hk', { T: 1, TEMP: -5, MODE: 1, RAW: [1, 2], ID: [0xab, 0xcd] }),
    enc.encode('sci', { S: [-1, 2, 3], BIG: 2n ** 60n }),
    enc.encode('hk', { T: 2, TEMP: 7, MODE: 3, RAW: [3, 4], ID: [0, 1] }),
  ];
  const bin = join(dir, 'tm.bin');
  writeFileSync(bin, Buffer.concat(parts));
  const json = join(dir, 'defs.json');
  writeFileSync(json, definitionsToJson([HK, SCI]));
  const csv = join(dir, 'hk.csv');
  writeFileSync(
    csv,
    'name, data_type, bit_length\nT, uint, 32\nTEMP, int, 12\nMODE, uint, 4\nRAW, uint(2), 8\nID, uint(2), 8\n',
  );
  return { bin, json, csv };
}

test('packets decode: ccsdspy CSV definition to CSV on standard output, filtered by APID', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-decode-cli-'));
  try {
    const f = fixture(dir);
    const r = await decode([f.bin, '--def', f.csv, '--apid', '100']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'T,TEMP,MODE,RAW[0],RAW[1],ID[0],ID[1]\n1,-5,1,1,2,171,205\n2,7,3,3,4,0,1\n',
    );
    assert.match(r.stderr, /2 packets decoded of 3 \(0 idle, 1 filtered/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packets decode: mixed stream to NDJSON in stream order, and one CSV per definition', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-decode-cli-'));
  try {
    const f = fixture(dir);
    const r = await decode([f.bin, '--def', f.json, '--format', 'ndjson', '--header']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l['definition'], l['CCSDS_APID']]),
      [
        ['hk', 100],
        ['sci', 200],
        ['hk', 100],
      ],
    );
    assert.deepEqual(lines[0]!['RAW'], [1, 2]);
    assert.equal(lines[0]!['ID'], 'abcd');
    assert.equal(lines[0]!['MODE_NAME'], 'SAFE');
    assert.equal(lines[2]!['MODE_NAME'], null);
    assert.deepEqual(lines[1]!['S'], [-1, 2, 3]);
    assert.equal(lines[1]!['BIG'], (2n ** 60n).toString());
    const out = join(dir, 'out.csv');
    const c = await decode([f.bin, '--def', f.json, '-o', out, '--json']);
    assert.equal(c.code, 0, c.stderr);
    const rep = JSON.parse(c.stdout) as { decoded: number; files: string[] };
    assert.equal(rep.decoded, 3);
    assert.deepEqual(rep.files.sort(), [join(dir, 'out.hk.csv'), join(dir, 'out.sci.csv')]);
    assert.equal(
      readFileSync(join(dir, 'out.sci.csv'), 'utf8'),
      `N,S,BIG\n3,-1 2 3,${2n ** 60n}\n`,
    );
    const noOut = await decode([f.bin, '--def', f.json]);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /several definitions/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packets decode: Arrow and Parquet files read back with their own libraries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-decode-cli-'));
  try {
    const f = fixture(dir);
    const arrowOut = join(dir, 'out.arrow');
    const a = await decode([f.bin, '--def', f.json, '--format', 'arrow', '-o', arrowOut]);
    assert.equal(a.code, 0, a.stderr);
    const hk = tableFromIPC(readFileSync(join(dir, 'out.hk.arrow')));
    assert.equal(hk.numRows, 2);
    assert.deepEqual(hk.getChild('TEMP')!.toArray(), new Int16Array([-5, 7]));
    assert.deepEqual([...hk.getChild('RAW')!.get(1)!], [3, 4]);
    assert.deepEqual(hk.getChild('MODE_NAME')!.toJSON(), ['SAFE', null]);
    const sci = tableFromIPC(readFileSync(join(dir, 'out.sci.arrow')));
    assert.deepEqual([...sci.getChild('S')!.get(0)!], [-1, 2, 3]);
    assert.equal(sci.getChild('BIG')!.get(0), 2n ** 60n);
    const pq = join(dir, 'out.parquet');
    const p = await decode([f.bin, '--def', f.json, '--format', 'parquet', '-o', pq]);
    assert.equal(p.code, 0, p.stderr);
    const buf = readFileSync(join(dir, 'out.hk.parquet'));
    const rows = await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
    });
    assert.deepEqual(
      rows.map((r) => [r['T'], r['TEMP'], r['RAW[1]'], r['ID'], r['MODE_NAME']]),
      [
        [1, -5, 2, 'abcd', 'SAFE'],
        [2, 7, 4, '0001', null],
      ].map(([t, ...rest]) => [BigInt(t as number), ...rest]),
    );
    const noFile = await decode([f.bin, '--def', f.json, '--format', 'arrow']);
    assert.equal(noFile.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packets decode: corrupted input exits 1 with a report; bad definitions exit 2; stdin works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-decode-cli-'));
  try {
    const f = fixture(dir);
    const good = readFileSync(f.bin);
    const bad = Buffer.concat([
      good.subarray(0, 16),
      Buffer.from([0xff, 0xff, 0xff]),
      good.subarray(16),
      good.subarray(0, 9),
    ]);
    const badFile = join(dir, 'bad.bin');
    writeFileSync(badFile, bad);
    const r = await decode([badFile, '--def', f.json, '--format', 'ndjson', '--json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stderr) as {
      ok: boolean;
      diagnostics: { kind: string; offset: number }[];
    };
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.diagnostics
        .filter((d) => d.kind === 'garbage' || d.kind === 'truncated')
        .map((d) => [d.kind, d.offset]),
      [
        ['garbage', 16],
        ['truncated', good.length + 3],
      ],
    );
    assert.equal(
      r.stdout.trim().split('\n').length,
      3,
      'every good packet decoded, no phantom rows',
    );
    const defBad = join(dir, 'bad.json');
    writeFileSync(defBad, '[{"name":"x","fields":[{"name":"a","type":"uint","bits":99}]}]');
    const d = await decode([f.bin, '--def', defBad]);
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /1\.\.64/);
    assert.equal((await decode([f.bin, '--def', join(dir, 'defs.txt')])).code, 2);
    assert.equal((await decode([f.bin, '--def', f.json, '--format', 'xml'])).code, 2);
    if (
      buildProgram({ stdout: () => undefined, stderr: () => undefined })
        .commands.find((c) => c.name() === 'packets')
        ?.commands.some((c) => c.name() === 'decode') === true
    ) {
      const s = await spawnCli(
        ['packets', 'decode', '-', '--def', f.csv, '--apid', '100', '--format', 'ndjson'],
        good,
      );
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout.trim().split('\n').length, 2);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
