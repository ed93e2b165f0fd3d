import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { encodeTmChain } from 'ccsds/coding';
import { SeededRandom, concatBytes, fromHex, toHex } from 'ccsds/core';
import { registerLinkChainCommands } from '../src/link-chain.js';
import { buildProgram } from '../src/main.js';
import { CliFailure, type Output } from '../src/output.js';
import { type CliResult, runCli } from './support.js';

/**
 * Runs `ccsds link <args>` in-process through `main` once main.ts registers the chain commands;
 * until then through the same program with them added here, with main's exit codes.
 */
async function link(args: string[]): Promise<CliResult> {
  const probe = buildProgram({ stdout: () => undefined, stderr: () => undefined });
  const wired = probe.commands
    .find((c) => c.name() === 'link')
    ?.commands.some((c) => c.name() === 'decode');
  if (wired === true) return runCli(['link', ...args]);
  let stdout = '';
  let stderr = '';
  const out: Output = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const program = buildProgram(out);
  const linkCmd = program.commands.find((c) => c.name() === 'link') ?? program.command('link');
  registerLinkChainCommands(linkCmd, out);
  let code: number;
  try {
    await program.parseAsync(['link', ...args], { from: 'user' });
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

interface Record {
  type: string;
  offset: number;
  markerErrors: number;
  inverted: boolean;
  state: string;
  corrections: number[];
  ok: boolean;
  hex: string;
}

function jsonLines(text: string): Record[] {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record);
}

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-chain-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('link encode -> decode: soft symbols, rate 1/2, RS I=2; JSON lines and the good frames', () =>
  withDir(async (dir) => {
    const rng = new SeededRandom(1);
    const frames = Array.from({ length: 9 }, () => rng.bytes(446));
    const input = join(dir, 'frames.bin');
    writeFileSync(input, concatBytes(frames));
    const chan = join(dir, 'chan.soft');
    const cfg = ['--frame-length', '446', '--rs', '255,223', '--interleave', '2', '--conv', '1/2'];
    const e = await link(['encode', input, ...cfg, '--output', 'soft8', '-o', chan, '--json']);
    assert.equal(e.code, 0, e.stderr);
    const summary = JSON.parse(e.stdout) as { frames: number; outputOctets: number; conv: string };
    assert.equal(summary.frames, 9);
    assert.equal(summary.conv, '1/2');
    const soft = readFileSync(chan);
    assert.equal(soft.length, summary.outputOctets);
    const lib = encodeTmChain(frames, {
      frameLength: 446,
      rs: { interleave: 2 },
      conv: '1/2',
      output: 'soft8',
    });
    assert.deepEqual(new Uint8Array(soft), lib);
    // Some noise, and 100 junk symbols in front.
    for (let i = 0; i < soft.length; i += 61) soft[i] = 255 - soft[i]!;
    writeFileSync(chan, concatBytes([rng.bytes(100), soft]));

    const good = join(dir, 'good.bin');
    const d = await link(['decode', chan, ...cfg, '--input', 'soft8', '--json', '--out', good]);
    assert.equal(d.code, 0, d.stderr);
    const lines = jsonLines(d.stdout);
    assert.equal(lines.length, 10);
    const records = lines.slice(0, 9);
    assert.ok(records.every((r) => r.type === 'codeblock' && r.ok && r.corrections.length === 2));
    assert.deepEqual(
      records.map((r) => r.hex),
      frames.map(toHex),
    );
    assert.equal(records[0]!.offset, 100);
    const s = lines[9] as unknown as { type: string; passed: boolean; ok: number; failed: number };
    assert.deepEqual([s.type, s.passed, s.ok, s.failed], ['summary', true, 9, 0]);
    assert.deepEqual(new Uint8Array(readFileSync(good)), concatBytes(frames));

    const text = await link(['decode', chan, ...cfg, '--input', 'soft8']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^codeblock at 100: sync errors 0, RS corrections \[0,0\], ok: /);
    assert.match(text.stdout, /9 codeblock\(s\): 9 ok \(0 corrected, 0 symbols\), 0 failed/);
  }));

test('link encode -> decode: packed bits, punctured 3/4, hex output, no RS, no randomiser', () =>
  withDir(async (dir) => {
    const rng = new SeededRandom(2);
    const frames = Array.from({ length: 5 }, () => rng.bytes(100));
    const input = join(dir, 'frames.bin');
    writeFileSync(input, concatBytes(frames));
    const cfg = ['--frame-length', '100', '--conv', '3/4', '--randomizer', 'none'];
    const h = await link(['encode', input, ...cfg]);
    assert.equal(h.code, 0, h.stderr);
    const lines = h.stdout.trim().split('\n');
    assert.ok(lines.slice(0, -1).every((l) => l.length === 128));
    const chan = join(dir, 'chan.bits');
    writeFileSync(chan, fromHex(lines.join('')));
    assert.deepEqual(
      fromHex(lines.join('')),
      encodeTmChain(frames, { frameLength: 100, conv: '3/4', randomize: false }),
    );
    const d = await link(['decode', chan, ...cfg, '--input', 'bits', '--json']);
    assert.equal(d.code, 0, d.stderr);
    const recs = jsonLines(d.stdout);
    assert.deepEqual(
      recs.slice(0, 5).map((r) => r.hex),
      frames.map(toHex),
    );
    assert.ok(recs.slice(0, 5).every((r) => r.corrections.length === 0));
    // From standard input, encoded bytes without convolutional code (plain frames + ASM).
    const plain = join(dir, 'plain.bin');
    const p = await link(['encode', input, '--frame-length', '100', '-o', plain]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /5 frame\(s\) encoded, 520 octets written/);
    const b = await link(['decode', plain, '--frame-length', '100', '--input', 'bytes']);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /5 codeblock\(s\): 5 ok/);
  }));

test('link decode: an uncorrectable codeblock fails the run and is not written out; nothing found fails', () =>
  withDir(async (dir) => {
    const rng = new SeededRandom(3);
    const frames = Array.from({ length: 4 }, () => rng.bytes(223));
    const chan = encodeTmChain(frames, { frameLength: 223, rs: {} });
    for (let j = 0; j < 20; j++) chan[259 + 4 + 10 * j] = chan[259 + 4 + 10 * j]! ^ 0x5a;
    const f = join(dir, 'chan.bin');
    writeFileSync(f, chan);
    const good = join(dir, 'good.bin');
    const args = ['--frame-length', '223', '--rs', '255,223', '--input', 'bytes'];
    const d = await link(['decode', f, ...args, '--json', '--out', good]);
    assert.equal(d.code, 1);
    const recs = jsonLines(d.stdout);
    assert.deepEqual(
      recs.slice(0, 4).map((r) => [r.ok, r.corrections[0]]),
      [
        [true, 0],
        [false, -1],
        [true, 0],
        [true, 0],
      ],
    );
    const summary = recs[4] as unknown as { passed: boolean; failed: number; outOctets: number };
    assert.deepEqual([summary.passed, summary.failed, summary.outOctets], [false, 1, 3 * 223]);
    assert.deepEqual(
      new Uint8Array(readFileSync(good)),
      concatBytes([frames[0]!, frames[2]!, frames[3]!]),
    );
    const t = await link(['decode', f, ...args]);
    assert.equal(t.code, 1);
    assert.match(t.stdout, /codeblock at 2072: .*RS FAILED \(uncorrectable codeword 0;/);

    writeFileSync(f, rng.bytes(5000));
    const none = await link(['decode', f, ...args]);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^0 codeblock\(s\)/);
  }));

test('link encode/decode usage errors exit 2; a partial frame and a missing file fail', () =>
  withDir(async (dir) => {
    const f = join(dir, 'frames.bin');
    writeFileSync(f, new Uint8Array(300));
    const bad: string[][] = [
      ['encode', f, '--frame-length', '100', '--conv', '3/5'],
      ['encode', f, '--frame-length', '100', '--rs', '255,200'],
      ['encode', f, '--frame-length', '100', '--rs', '255,223', '--interleave', '3'],
      ['encode', f, '--frame-length', '100', '--rs', '255,223', '--interleave', '6'],
      ['encode', f, '--frame-length', '1116', '--rs', '255,223', '--interleave', '5'],
      ['encode', f, '--frame-length', '100', '--interleave', '2'],
      ['encode', f, '--frame-length', '0'],
      ['encode', f, '--frame-length', '100', '--output', 'hex'],
      ['encode', f, '--frame-length', '100', '--randomizer', 'tc'],
      ['encode', f],
      ['decode', f, '--frame-length', '100'],
      ['decode', f, '--frame-length', '100', '--input', 'soft'],
      ['decode', f, '--frame-length', '100', '--input', 'bytes', '--conv', '1/2'],
      ['decode', f, '--frame-length', '100', '--input', 'bits', '--search-errors', '16'],
      ['decode', f, '--frame-length', '100', '--input', 'bits', '--search-errors', '3'],
      ['decode', f, '--frame-length', '100', '--input', 'bits', '--basis', 'dual'],
      ['decode', f, '--frame-length', '100', '--input', 'bits', '--bogus'],
    ];
    for (const args of bad) {
      const r = await link(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    const partial = await link(['encode', f, '--frame-length', '128']);
    assert.equal(partial.code, 1);
    assert.match(partial.stderr, /ends inside frame 2 \(44 of 128 octets\)/);
    const missing = await link([
      'decode',
      join(dir, 'no.bin'),
      '--frame-length',
      '8',
      '--input',
      'bits',
    ]);
    assert.notEqual(missing.code, 0);
    writeFileSync(f, new Uint8Array(0));
    assert.equal((await link(['encode', f, '--frame-length', '8'])).code, 1);
  }));

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI as a child process, with the chain commands added unless main.ts has them. */
const childScript = `
import { buildProgram, main } from './src/main.ts';
import { registerLinkChainCommands } from './src/link-chain.ts';
import { consoleOutput } from './src/output.ts';
const link = buildProgram(consoleOutput).commands.find((c) => c.name() === 'link');
if (link.commands.some((c) => c.name() === 'decode')) {
  process.exitCode = await main(process.argv.slice(1));
} else {
  const p = buildProgram(consoleOutput);
  registerLinkChainCommands(p.commands.find((c) => c.name() === 'link'), consoleOutput);
  await p.parseAsync(process.argv.slice(1), { from: 'user' });
  process.exitCode = consoleOutput.exitCode ?? 0;
}`;

function child(args: string[], stdin: Uint8Array): Promise<{ code: number; out: Buffer }> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=ccsds-source',
        '--input-type=module',
        '-e',
        childScript,
        ...args,
      ],
      { cwd: cliDir, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const parts: Buffer[] = [];
    c.stdout.on('data', (d: Buffer) => parts.push(d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(parts) }));
    c.stdin.end(stdin);
  });
}

test('standard input and binary standard output: encode - -o - | decode -', async () => {
  const rng = new SeededRandom(4);
  const frames = Array.from({ length: 6 }, () => rng.bytes(64));
  const cfg = ['--frame-length', '64', '--conv', '5/6', '--rs', '255,239'];
  const e = await child(
    ['link', 'encode', '-', ...cfg, '--output', 'soft8', '-o', '-'],
    concatBytes(frames),
  );
  assert.equal(e.code, 0);
  assert.deepEqual(
    new Uint8Array(e.out),
    encodeTmChain(frames, { frameLength: 64, conv: '5/6', rs: { E: 8 }, output: 'soft8' }),
  );
  const d = await child(['link', 'decode', '-', ...cfg, '--input', 'soft8', '--json'], e.out);
  assert.equal(d.code, 0);
  const recs = jsonLines(d.out.toString());
  assert.deepEqual(
    recs.slice(0, 6).map((r) => r.hex),
    frames.map(toHex),
  );
});
