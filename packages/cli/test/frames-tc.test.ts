import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from 'ccsds/core';
import { loadVectors } from '../../ccsds/test/support/vectors.js';
import { runCli } from './support.js';

interface Seq {
  name: string;
  hex: string;
  params: { fecf_present: boolean; segment_header_present: boolean };
  fields: { expected_packets?: { hex: string }[] };
}

test('frames decode --type tc: the tc.json sequences give their reassembled packets', async () => {
  const { vectors } = loadVectors<{ vectors: Seq[] }>('frames/tc.json');
  const seqs = vectors.filter((v) => v.fields.expected_packets !== undefined);
  assert.ok(seqs.length >= 2);
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-tc-'));
  try {
    for (const v of seqs) {
      const f = join(dir, `${v.name}.bin`);
      writeFileSync(f, fromHex(v.hex));
      const args = [
        'frames',
        'decode',
        f,
        '--type',
        'tc',
        '--json',
        '--packets-out',
        join(dir, v.name),
      ];
      if (v.params.fecf_present) args.push('--fecf');
      if (v.params.segment_header_present) args.push('--segment-header');
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const j = JSON.parse(r.stdout) as {
        frames: unknown[];
        packets: { length: number }[];
        problems: unknown[];
      };
      const want = v.fields.expected_packets!.map((p) => fromHex(p.hex));
      assert.deepEqual(
        j.packets.map((p) => p.length),
        want.map((p) => p.length),
        v.name,
      );
      assert.deepEqual(j.problems, []);
      // Written per APID, in order.
      const byApid = new Map<number, Uint8Array[]>();
      for (const p of want) {
        const apid = ((p[0]! & 7) << 8) | p[1]!;
        byApid.set(apid, [...(byApid.get(apid) ?? []), p]);
      }
      for (const [apid, ps] of byApid) {
        assert.equal(
          toHex(readFileSync(join(dir, v.name, `apid-${apid}.bin`))),
          ps.map(toHex).join(''),
          `${v.name} apid ${apid}`,
        );
      }
    }
    // A corrupted FECF is reported and the exit code is 1.
    const v = seqs.find((s) => s.params.fecf_present)!;
    const bad = fromHex(v.hex);
    bad[10] = bad[10]! ^ 0xff;
    const f = join(dir, 'bad.bin');
    writeFileSync(f, bad);
    const r = await runCli(['frames', 'decode', f, '--type', 'tc', '--fecf', '--segment-header']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /BAD_CRC/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
