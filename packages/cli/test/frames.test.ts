import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { CcsdsError, fromHex } from 'ccsds/core';
import { encodeEncapsulationPacket } from 'ccsds/epp';
import { encodeSpacePacket } from 'ccsds/spp';
import { registerFrameCommands } from '../src/frames.js';
import { buildProgram } from '../src/main.js';
import { CliFailure, type Output } from '../src/output.js';
import { loadVectors } from '../../ccsds/test/support/vectors.js';

/** Runs `ccsds <args>` in-process, with the frame commands registered whether main.ts has them yet or not. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out: Output = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const program = buildProgram(out);
  if (!program.commands.some((c) => c.name() === 'frames')) registerFrameCommands(program, out);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: out.exitCode ?? 0, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, stdout, stderr };
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof CliFailure) && !(e instanceof CcsdsError)) throw e;
    return { code: e instanceof CliFailure ? e.exitCode : 1, stdout, stderr: stderr + message };
  }
}

function packets(): Uint8Array[] {
  return Array.from({ length: 40 }, (_, i) =>
    i % 5 === 4
      ? encodeEncapsulationPacket({ protocolId: 3, data: new Uint8Array(50 + i).fill(i) })
      : encodeSpacePacket({
          apid: 10 + (i % 3),
          packetSequenceCount: i,
          userData: new Uint8Array(30 + 17 * i).fill(i),
        }),
  );
}

for (const type of ['tm', 'aos', 'uslp'] as const) {
  test(`frames encode then decode (${type}): packets come back per APID`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-frames-'));
    try {
      const pk = packets();
      writeFileSync(join(dir, 'p.bin'), Buffer.concat(pk));
      const extra = type === 'aos' ? ['--fhec', '--insert-zone', '2'] : [];
      const enc = await run([
        'frames',
        'encode',
        join(dir, 'p.bin'),
        '--type',
        type,
        '--frame-length',
        '223',
        '--scid',
        '42',
        '--vcid',
        '3',
        '--fecf',
        '--ocf',
        ...extra,
        '-o',
        join(dir, 'f.bin'),
        '--json',
      ]);
      assert.equal(enc.code, 0, enc.stderr);
      const e = JSON.parse(enc.stdout) as { packets: number; frames: number; octets: number };
      assert.equal(e.packets, 40);
      assert.equal(e.octets, e.frames * 223);
      assert.equal(readFileSync(join(dir, 'f.bin')).length, e.octets);
      const dec = await run([
        'frames',
        'decode',
        join(dir, 'f.bin'),
        '--type',
        type,
        '--frame-length',
        '223',
        '--fecf',
        '--ocf',
        ...extra,
        '--packets-out',
        join(dir, 'out'),
        '--json',
      ]);
      assert.equal(dec.code, 0, dec.stderr);
      const d = JSON.parse(dec.stdout) as {
        frames: { virtualChannelId: number; spacecraftId: number; fecfValid: boolean }[];
        packets: { quality: string }[];
        counters: { accepted: number; badCrc: number };
      };
      assert.equal(d.frames.length, e.frames);
      assert.ok(
        d.frames.every((f) => f.virtualChannelId === 3 && f.spacecraftId === 42 && f.fecfValid),
      );
      assert.equal(d.packets.length, 40);
      assert.equal(d.counters.accepted, e.frames);
      assert.deepEqual(readdirSync(join(dir, 'out')).sort(), [
        'apid-10.bin',
        'apid-11.bin',
        'apid-12.bin',
        'epp-protocol-3.bin',
      ]);
      for (const apid of [10, 11, 12]) {
        const want = Buffer.concat(
          pk.filter((p) => (((p[0]! & 7) << 8) | p[1]!) === apid && p[0]! >> 5 === 0),
        );
        assert.deepEqual(readFileSync(join(dir, 'out', `apid-${apid}.bin`)), want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('frames decode: a TM vector sequence with a lost frame prints headers, the gap and packets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-frames-'));
  try {
    const v = loadVectors<{ vectors: { name: string; hex: string }[] }>(
      'frames/tm.json',
    ).vectors.find((x) => x.name === 'tm-seq-1115-lost-frame')!;
    writeFileSync(join(dir, 'f.bin'), fromHex(v.hex));
    const r = await run([
      'frames',
      'decode',
      join(dir, 'f.bin'),
      '--type',
      'tm',
      '--frame-length',
      '1115',
      '--fecf',
      '--gap-policy',
      'flag',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /frame 0: spacecraftId=965 virtualChannelId=2 masterChannelFrameCount=96/,
    );
    assert.match(r.stdout, /gap: vc 2 expected count 1, got 2 \(1 frames missing\)/);
    assert.match(r.stdout, /\(INCOMPLETE\)/);
    assert.match(
      r.stdout,
      /vc 2 \(scid 965\): 3 frames, 1 gaps \(1 frames lost\), 5 packets, 1 flagged/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('frames: bad arguments exit non-zero', async () => {
  const r = await run(['frames', 'decode', '/nonexistent', '--type', 'tm']);
  assert.equal(r.code, 2);
  const s = await run([
    'frames',
    'encode',
    '-',
    '--type',
    'xx',
    '--frame-length',
    '100',
    '--scid',
    '1',
    '--vcid',
    '1',
    '-o',
    '/tmp/x',
  ]);
  assert.notEqual(s.code, 0);
});
