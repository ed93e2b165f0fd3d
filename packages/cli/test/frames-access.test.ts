/**
 * `ccsds frames encode --service vca|bitstream` and `frames decode --vc-type ... --access-out`:
 * raw data through AOS B_PDUs and TM/AOS VCA_SDUs and back, with a frame cut out of the stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from 'ccsds/core';
import { runCli, spawnCli } from './support.js';

interface Decoded {
  access: { virtualChannelId: number; userDataType: string; bits: number; continuous: boolean }[];
  accessChannels: { units: number; bits: number; afterLoss: number }[];
  events: { type: string; missingFrames?: number }[];
  packets: unknown[];
  frames: { userDataType?: string; bitstreamDataPointer?: number; validBits?: number }[];
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-access-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const aos = ['--type', 'aos', '--frame-length', '300', '--fhec', '--fecf'];

test(
  'AOS bitstream: raw data -> B_PDUs -> the same octets; a frame cut out costs exactly its bits',
  withDir(async (dir) => {
    const raw = new SeededRandom(3).bytes(3000);
    writeFileSync(join(dir, 'raw.bin'), raw);
    const enc = await runCli([
      'frames',
      'encode',
      join(dir, 'raw.bin'),
      ...aos,
      '--scid',
      '9',
      '--vcid',
      '20',
      '--service',
      'bitstream',
      '-o',
      join(dir, 'f.bin'),
      '--json',
    ]);
    assert.equal(enc.code, 0, enc.stderr);
    const e = JSON.parse(enc.stdout) as { bits: number; frames: number };
    const zone = 300 - 8 - 2 - 2; // header + FHEC, B_PDU header, FECF
    assert.equal(e.bits, 24000);
    assert.equal(e.frames, Math.ceil(3000 / zone));
    const dec = await runCli([
      'frames',
      'decode',
      join(dir, 'f.bin'),
      ...aos,
      '--vc-type',
      '20=B_PDU',
      '--access-out',
      join(dir, 'out'),
      '--json',
    ]);
    assert.equal(dec.code, 0, dec.stderr);
    const d = JSON.parse(dec.stdout) as Decoded;
    assert.deepEqual(readFileSync(join(dir, 'out', 'scid-9-vc-20.bin')), Buffer.from(raw));
    assert.equal(d.packets.length, 0);
    assert.equal(d.access.length, e.frames);
    assert.ok(d.frames.every((f) => f.userDataType === 'B_PDU'));
    const last = d.frames.at(-1)!;
    assert.equal(last.validBits, (3000 % zone) * 8);
    assert.equal(last.bitstreamDataPointer, (3000 % zone) * 8 - 1);
    // Cut frame 3 out: one gap of one frame, and the data after it is flagged as after a loss.
    const f = readFileSync(join(dir, 'f.bin'));
    writeFileSync(join(dir, 'cut.bin'), Buffer.concat([f.subarray(0, 900), f.subarray(1200)]));
    const cut = await runCli([
      'frames',
      'decode',
      join(dir, 'cut.bin'),
      ...aos,
      '--vc-type',
      '20=B_PDU',
      '--access-out',
      join(dir, 'out2'),
      '--json',
    ]);
    const c = JSON.parse(cut.stdout) as Decoded;
    assert.deepEqual(
      c.events.filter((x) => x.type === 'vc-gap').map((x) => x.missingFrames),
      [1],
    );
    assert.deepEqual(
      c.access.map((a) => a.continuous),
      [false, true, true, false, ...Array<boolean>(e.frames - 5).fill(true)],
    );
    assert.equal(c.accessChannels[0]!.afterLoss, 1);
    assert.deepEqual(
      readFileSync(join(dir, 'out2', 'scid-9-vc-20.bin')),
      Buffer.concat([raw.subarray(0, 3 * zone), raw.subarray(4 * zone)]),
    );
    // Read as M_PDUs (no --vc-type), the same frames give no packets and no access data.
    const asPackets = await runCli(['frames', 'decode', join(dir, 'f.bin'), ...aos, '--json']);
    assert.equal((JSON.parse(asPackets.stdout) as Decoded).access, undefined);
  }),
);

test(
  'TM and AOS VCA: raw data cut into VCA_SDUs and back (a real process over stdin for TM); leftovers exit 1',
  withDir(async (dir) => {
    const raw = new SeededRandom(4).bytes(1107 * 3);
    writeFileSync(join(dir, 'raw.bin'), raw);
    const enc = await spawnCli(
      [
        'frames',
        'encode',
        '-',
        '--type',
        'tm',
        '--frame-length',
        '1115',
        '--scid',
        '42',
        '--vcid',
        '3',
        '--fecf',
        '--service',
        'vca',
        '-o',
        join(dir, 'tm.bin'),
        '--json',
      ],
      raw,
    );
    assert.equal(enc.code, 0, enc.stderr);
    assert.deepEqual(JSON.parse(enc.stdout), {
      sdus: 3,
      sduLength: 1107,
      leftoverOctets: 0,
      frames: 3,
      octets: 3345,
    });
    const dec = await runCli([
      'frames',
      'decode',
      join(dir, 'tm.bin'),
      '--type',
      'tm',
      '--frame-length',
      '1115',
      '--fecf',
      '--access-out',
      join(dir, 'out'),
      '--json',
    ]);
    const d = JSON.parse(dec.stdout) as Decoded;
    assert.deepEqual(
      d.access.map((a) => a.userDataType),
      ['VCA', 'VCA', 'VCA'],
    );
    assert.deepEqual(readFileSync(join(dir, 'out', 'scid-42-vc-3.bin')), Buffer.from(raw));
    // AOS VCA with the same data: SDUs of the AOS data field length.
    const a = await runCli([
      'frames',
      'encode',
      join(dir, 'raw.bin'),
      ...aos,
      '--scid',
      '1',
      '--vcid',
      '30',
      '--service',
      'vca',
      '-o',
      join(dir, 'aos.bin'),
      '--json',
    ]);
    const ae = JSON.parse(a.stdout) as { sdus: number; sduLength: number; leftoverOctets: number };
    assert.equal(ae.sduLength, 300 - 8 - 2);
    assert.equal(ae.sdus, Math.floor(3321 / 290));
    assert.equal(ae.leftoverOctets, 3321 % 290);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /octets left over/);
    const ad = await runCli([
      'frames',
      'decode',
      join(dir, 'aos.bin'),
      ...aos,
      '--vc-type',
      '30=VCA',
      '--access-out',
      join(dir, 'aout'),
      '--json',
    ]);
    assert.equal(ad.code, 0, ad.stderr);
    assert.deepEqual(
      readFileSync(join(dir, 'aout', 'scid-1-vc-30.bin')),
      Buffer.from(raw.subarray(0, ae.sdus * 290)),
    );
  }),
);

test('frames: --service and --vc-type are refused where they do not apply', async () => {
  const bad = [
    [
      'frames',
      'encode',
      '-',
      '--type',
      'tm',
      '--frame-length',
      '100',
      '--scid',
      '1',
      '--vcid',
      '1',
      '--service',
      'bitstream',
      '-o',
      '/dev/null',
    ],
    [
      'frames',
      'encode',
      '-',
      '--type',
      'uslp',
      '--frame-length',
      '100',
      '--scid',
      '1',
      '--vcid',
      '1',
      '--service',
      'vca',
      '-o',
      '/dev/null',
    ],
    ['frames', 'decode', '-', '--type', 'tm', '--frame-length', '100', '--vc-type', '1=B_PDU'],
    ['frames', 'decode', '-', '--type', 'aos', '--frame-length', '100', '--vc-type', '1=XX'],
  ];
  for (const args of bad) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
  }
});
