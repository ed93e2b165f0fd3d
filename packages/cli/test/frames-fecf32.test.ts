/** `ccsds frames encode|decode --type uslp --fecf-length 4`: USLP frames with the CCSDS CRC-32 FECF. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccsdsCrc32 } from 'ccsds/link';
import { encodeSpacePacket } from 'ccsds/spp';
import { runCli as run } from './support.js';

interface Decoded {
  frames: { frameLength: number; frameErrorControlField: string | null; fecfValid: boolean }[];
  packets: { length: number; quality: string }[];
  counters: { accepted: number; badCrc: number };
}

for (const variable of [false, true]) {
  test(`frames encode/decode --type uslp --fecf-length 4 (${variable ? 'variable' : 'fixed'} length)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-fecf32-'));
    try {
      const pk = Array.from({ length: 25 }, (_, i) =>
        encodeSpacePacket({
          apid: 100 + (i % 2),
          packetSequenceCount: i,
          userData: new Uint8Array(20 + 9 * i).fill(i),
        }),
      );
      writeFileSync(join(dir, 'p.bin'), Buffer.concat(pk));
      const enc = await run([
        'frames',
        'encode',
        join(dir, 'p.bin'),
        '--type',
        'uslp',
        '--frame-length',
        '180',
        '--scid',
        '4660',
        '--vcid',
        '9',
        '--fecf-length',
        '4',
        ...(variable ? ['--variable'] : []),
        '-o',
        join(dir, 'f.bin'),
        '--json',
      ]);
      assert.equal(enc.code, 0, enc.stderr);
      const stream = readFileSync(join(dir, 'f.bin'));
      // Every frame ends with the CRC-32 of everything before it.
      let pos = 0;
      let n = 0;
      while (pos < stream.length) {
        const len = ((stream[pos + 4]! << 8) | stream[pos + 5]!) + 1;
        const f = stream.subarray(pos, pos + len);
        assert.equal(f.readUInt32BE(len - 4), ccsdsCrc32(f, 0, len - 4));
        pos += len;
        n++;
      }
      assert.equal(n, (JSON.parse(enc.stdout) as { frames: number }).frames);
      const lengthArgs = variable ? [] : ['--frame-length', '180'];
      const dec = await run([
        'frames',
        'decode',
        join(dir, 'f.bin'),
        '--type',
        'uslp',
        ...lengthArgs,
        '--fecf-length',
        '4',
        '--packets-out',
        join(dir, 'out'),
        '--json',
      ]);
      assert.equal(dec.code, 0, dec.stderr);
      const d = JSON.parse(dec.stdout) as Decoded;
      assert.equal(d.frames.length, n);
      assert.ok(d.frames.every((f) => f.fecfValid && f.frameErrorControlField!.length === 8));
      assert.equal(d.packets.length, 25);
      assert.ok(d.packets.every((p) => p.quality === 'good'));
      assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['apid-100.bin', 'apid-101.bin']);
      assert.deepEqual(
        readFileSync(join(dir, 'out', 'apid-100.bin')),
        Buffer.concat(pk.filter((_, i) => i % 2 === 0)),
      );
      // Read with the 2-octet FECF, no frame passes.
      const wrong = await run([
        'frames',
        'decode',
        join(dir, 'f.bin'),
        '--type',
        'uslp',
        ...lengthArgs,
        '--fecf',
        '--json',
      ]);
      const w = JSON.parse(wrong.stdout) as Decoded;
      assert.equal(w.counters.accepted, 0);
      assert.equal(w.counters.badCrc, n);
      assert.equal(w.packets.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('frames: --fecf-length is 2 or 4, and 4 only for USLP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-fecf32-'));
  try {
    writeFileSync(
      join(dir, 'p.bin'),
      encodeSpacePacket({ apid: 1, packetSequenceCount: 0, userData: new Uint8Array(10) }),
    );
    const base = [
      'frames',
      'encode',
      join(dir, 'p.bin'),
      '--frame-length',
      '100',
      '--scid',
      '1',
      '--vcid',
      '1',
      '-o',
      join(dir, 'f.bin'),
    ];
    const tm4 = await run([...base, '--type', 'tm', '--fecf-length', '4']);
    assert.equal(tm4.code, 2);
    assert.match(tm4.stderr, /only for --type uslp/);
    const three = await run([...base, '--type', 'uslp', '--fecf-length', '3']);
    assert.equal(three.code, 2);
    // --fecf-length 2 is the same as --fecf.
    const tm2 = await run([...base, '--type', 'tm', '--fecf-length', '2', '--json']);
    assert.equal(tm2.code, 0, tm2.stderr);
    const a = readFileSync(join(dir, 'f.bin'));
    const tmf = await run([...base, '--type', 'tm', '--fecf', '--json']);
    assert.equal(tmf.code, 0);
    assert.deepEqual(readFileSync(join(dir, 'f.bin')), a);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
