import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { encodeCltu } from 'ccsds/coding';
import { SeededRandom, fromHex, toHex } from 'ccsds/core';
import { registerCltuCommands } from '../src/link-cltu.js';
import { buildProgram } from '../src/main.js';
import { CliFailure, type Output } from '../src/output.js';
import { type CliResult, runCli } from './support.js';

/**
 * Runs `ccsds link cltu <args>` in-process through `main` once main.ts registers the commands;
 * until then through the same program with a `link` noun added here, with main's exit codes.
 */
async function cltu(args: string[]): Promise<CliResult> {
  const probe = buildProgram({ stdout: () => undefined, stderr: () => undefined });
  const wired = probe.commands
    .find((c) => c.name() === 'link')
    ?.commands.some((c) => c.name() === 'cltu');
  if (wired === true) return runCli(['link', 'cltu', ...args]);
  let stdout = '';
  let stderr = '';
  const out: Output = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const program = buildProgram(out);
  registerCltuCommands(program.command('link'), out);
  let code: number;
  try {
    await program.parseAsync(['link', 'cltu', ...args], { from: 'user' });
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

/** A TC Transfer Frame with a correct Frame Length field (total length - 1 in 10 bits). */
function tcFrame(rng: SeededRandom, length: number): Uint8Array {
  const f = rng.bytes(length);
  f[2] = (f[2]! & 0xfc) | ((length - 1) >> 8);
  f[3] = (length - 1) & 0xff;
  return f;
}

function padded(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(frame.length / 7) * 7).fill(0x55);
  out.set(frame);
  return out;
}

test('cltu encode: one frame to a file, as hex, and as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cltu-'));
  try {
    const frame = fromHex('0123456789abcd');
    const f = join(dir, 'frame.bin');
    writeFileSync(f, frame);
    const bin = join(dir, 'cltu.bin');
    const r = await cltu(['encode', f, '--out', bin]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(toHex(readFileSync(bin)), 'eb900123456789abcd90c5c5c5c5c5c5c579');
    const h = await cltu(['encode', f, '--randomize']);
    assert.equal(h.stdout.trim(), toHex(encodeCltu(frame, { randomize: true })));
    const j = await cltu(['encode', f, '--json']);
    assert.deepEqual(JSON.parse(j.stdout), {
      cltus: 1,
      frameOctets: 7,
      randomized: false,
      hex: ['eb900123456789abcd90c5c5c5c5c5c5c579'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cltu encode --split --randomize, then decode --derandomize --json --out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cltu-'));
  try {
    const rng = new SeededRandom(31);
    const frames = [tcFrame(rng, 20), tcFrame(rng, 1024), tcFrame(rng, 7)];
    const input = join(dir, 'frames.bin');
    writeFileSync(input, Buffer.concat(frames));
    const cltus = join(dir, 'cltus.bin');
    const e = await cltu(['encode', input, '--split', '--randomize', '--out', cltus, '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(JSON.parse(e.stdout).cltus, 3);
    const stream = readFileSync(cltus);
    assert.deepEqual(
      new Uint8Array(stream),
      new Uint8Array(Buffer.concat(frames.map((f) => encodeCltu(f, { randomize: true })))),
    );
    // One correctable bit error in the second CLTU.
    const second = encodeCltu(frames[0]!, { randomize: true }).length;
    stream[second + 10] = stream[second + 10]! ^ 0x04;
    writeFileSync(cltus, stream);
    const out = join(dir, 'decoded.bin');
    const d = await cltu(['decode', cltus, '--derandomize', '--json', '--out', out]);
    assert.equal(d.code, 0, d.stderr);
    const j = JSON.parse(d.stdout) as {
      ok: boolean;
      cltus: { offset: number; codeblocks: number; corrected: number; ending: string }[];
    };
    assert.equal(j.ok, true);
    assert.deepEqual(
      j.cltus.map((c) => [c.offset, c.codeblocks, c.corrected, c.ending]),
      [
        [0, 3, 0, 'tail'],
        [second, 147, 1, 'tail'],
        [stream.length - 18, 1, 0, 'tail'],
      ],
    );
    // Derandomisation covers the fill too, so compare the frame octets of each CLTU.
    const decoded = readFileSync(out);
    let o = 0;
    for (const f of frames) {
      assert.deepEqual(new Uint8Array(decoded.subarray(o, o + f.length)), f);
      o += padded(f).length;
    }
    assert.equal(decoded.length, o);
    const text = await cltu(['decode', cltus]);
    assert.match(text.stdout, /3 CLTU\(s\): 3 complete, 0 incomplete, 1 codeblock\(s\) corrected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cltu decode fails on an uncorrectable codeblock, on detect-only errors and on no CLTU', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cltu-'));
  try {
    const c = encodeCltu(new Uint8Array(30).fill(9));
    c[2 + 8] = c[2 + 8]! ^ 0x81; // two bit errors in codeblock 1
    const f = join(dir, 'bad.bin');
    writeFileSync(f, c);
    const r = await cltu(['decode', f, '--json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout) as { ok: boolean; cltus: { ending: string; octets: number }[] };
    assert.equal(j.ok, false);
    assert.deepEqual(
      j.cltus.map((x) => [x.ending, x.octets]),
      [['uncorrectable', 7]],
    );

    const one = encodeCltu(new Uint8Array(30).fill(9));
    one[3] = one[3]! ^ 1;
    writeFileSync(f, one);
    assert.equal((await cltu(['decode', f])).code, 0);
    const det = await cltu(['decode', f, '--detect-only']);
    assert.equal(det.code, 1);
    assert.match(det.stdout, /ended by uncorrectable/);

    writeFileSync(f, new Uint8Array(100).fill(0x55));
    const none = await cltu(['decode', f]);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /0 CLTU\(s\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cltu usage errors: oversized frame, truncated frame stream, bad option, missing file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cltu-'));
  try {
    const big = join(dir, 'big.bin');
    writeFileSync(big, new Uint8Array(1025));
    const r = await cltu(['encode', big]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--split/);
    const rng = new SeededRandom(1);
    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, tcFrame(rng, 40).subarray(0, 30));
    const t = await cltu(['encode', cut, '--split']);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /ends inside a TC frame/);
    assert.equal((await cltu(['decode', cut, '--start-errors', '3'])).code, 2);
    assert.notEqual((await cltu(['decode', join(dir, 'missing.bin')])).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
