import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSpacePacket, encodeIdlePacket } from 'ccsds/spp';
import { runCli, spawnCli } from './support.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ccsds-cli-'));
}

function stream(): { bytes: Uint8Array; perApid: Map<number, Uint8Array[]> } {
  const perApid = new Map<number, Uint8Array[]>();
  const parts: Uint8Array[] = [];
  const counts = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    const apid = [10, 20, 30][i % 3]!;
    const c = counts.get(apid) ?? 0;
    counts.set(apid, c + 1);
    if (apid === 20 && c === 50) continue; // one lost packet on APID 20
    const p = encodeSpacePacket({
      apid,
      packetSequenceCount: c,
      userData: new Uint8Array(10 + (i % 7)).fill(i & 0xff),
    });
    parts.push(p);
    perApid.set(apid, [...(perApid.get(apid) ?? []), p]);
    if (i === 100) parts.push(Uint8Array.from([0xff, 0xee, 0xdd, 0xcc]));
    if (i === 200) parts.push(encodeIdlePacket(12));
  }
  return { bytes: Buffer.concat(parts), perApid };
}

test('count --json per APID', async () => {
  const dir = tmp();
  try {
    const { bytes } = stream();
    const f = join(dir, 's.bin');
    writeFileSync(f, bytes);
    const r = await runCli(['packets', 'count', f, '--apids', '10,20,30', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      packets: number;
      skippedOctets: number;
      apids: { apid: number; packets: number }[];
    };
    assert.equal(j.packets, 300);
    assert.equal(j.skippedOctets, 4);
    assert.deepEqual(
      j.apids.map((a) => [a.apid, a.packets]),
      [
        [10, 100],
        [20, 99],
        [30, 100],
        [2047, 1],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate reports the gap and the garbage and exits 1; a clean stream exits 0', async () => {
  const dir = tmp();
  try {
    const { bytes } = stream();
    const f = join(dir, 's.bin');
    writeFileSync(f, bytes);
    const r = await runCli(['packets', 'validate', f, '--apids', '10-30', '--json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout) as {
      ok: boolean;
      events: { apid: number; status: string; missing: number }[];
      skipped: { end: number; start: number }[];
    };
    assert.equal(j.ok, false);
    assert.deepEqual(
      j.events.map((e) => [e.apid, e.status, e.missing]),
      [[20, 'gap', 1]],
    );
    assert.equal(j.skipped.length, 1);
    assert.equal(j.skipped[0]!.end - j.skipped[0]!.start, 4);
    const text = await runCli(['packets', 'validate', f, '--apids', '10-30']);
    assert.match(text.stdout, /APID 20: gap at offset \d+, count 49 -> 51 \(1 missing\)/);
    assert.match(text.stdout, /skipped octets \d+\.\.\d+ \(4\): unrecognised/);
    const clean = join(dir, 'c.bin');
    writeFileSync(
      clean,
      Buffer.concat([encodeSpacePacket({ apid: 1, userData: new Uint8Array(3) })]),
    );
    assert.equal((await runCli(['packets', 'validate', clean])).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("split writes one file per APID with exactly that APID's packets, read from stdin of a real process", async () => {
  const dir = tmp();
  try {
    const { bytes, perApid } = stream();
    const out = join(dir, 'out');
    const r = await spawnCli(
      ['packets', 'split', '-', '--out', out, '--apids', '10,20,30', '--drop-idle', '--json'],
      bytes,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['apid-10.bin', 'apid-20.bin', 'apid-30.bin']);
    for (const [apid, pk] of perApid) {
      assert.deepEqual(
        readFileSync(join(out, `apid-${apid}.bin`)),
        Buffer.concat(pk),
        `apid ${apid}`,
      );
    }
    const j = JSON.parse(r.stdout) as { packets: number };
    assert.equal(j.packets, 299);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('info, generate and bad input', async () => {
  const dir = tmp();
  try {
    const f = join(dir, 'g.bin');
    const g = await runCli([
      'packets',
      'generate',
      '-o',
      f,
      '--count',
      '500',
      '--drop',
      '0.02',
      '--seed',
      '3',
      '--json',
    ]);
    assert.equal(g.code, 0, g.stderr);
    const gj = JSON.parse(g.stdout) as { packets: number; dropped: number };
    const info = await runCli(['packets', 'info', f, '--json']);
    const ij = JSON.parse(info.stdout) as { packets: number; apids: { missingPackets: number }[] };
    assert.equal(ij.packets, gj.packets);
    assert.equal(
      ij.apids.reduce((a, x) => a + x.missingPackets, 0),
      gj.dropped,
    );
    const human = await runCli(['packets', 'info', f]);
    assert.match(human.stdout, /apid\s+packets\s+octets/);
    const missing = await runCli(['packets', 'count', join(dir, 'nope.bin'), '--json']);
    assert.notEqual(missing.code, 0);
    assert.match(JSON.parse(missing.stdout).error.message as string, /ENOENT/);
    const bad = await runCli(['packets', 'count', f, '--apids', '9999']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--apids must be an integer from 0 to 2047/);
    const unknown = await runCli(['packets', 'frobnicate']);
    assert.notEqual(unknown.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
