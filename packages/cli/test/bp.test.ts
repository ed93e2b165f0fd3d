import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromHex, toHex } from 'ccsds/core';
import { encodeFileClaFrame } from 'ccsds/bp';
import { type CliResult, runCli } from './support.js';
import { loadVectors } from '../../ccsds/test/support/vectors.js';

/** Runs `ccsds bp <args>` in this process. */
const bp = (args: string[]): Promise<CliResult> => runCli(['bp', ...args]);

const ion = loadVectors<{ vectors: { name: string; hex: string }[] }>('bp/bundles.json').vectors;

test('bp send and bp recv: a bundle from node 1 to node 2 over UDP, text and JSON output', async () => {
  const port = 41000 + Math.floor(Math.random() * 2000);
  const recv = bp([
    'recv',
    'ipn:2.1',
    '--bind',
    `udp://127.0.0.1:${port}`,
    '--count',
    '2',
    '--timeout',
    '10000',
    '--json',
  ]);
  await new Promise((r) => setTimeout(r, 300));
  const s1 = await bp([
    'send',
    'ipn:2.1',
    '--text',
    'hello over bp',
    '--node',
    '1',
    '--route',
    `2=udp://127.0.0.1:${port}`,
  ]);
  assert.equal(s1.code, 0, s1.stderr);
  assert.match(s1.stdout, /sent ipn:1\.1@\d+\.0 -> ipn:2\.1 \(13 octets\)/);
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-bp-'));
  try {
    writeFileSync(join(dir, 'p.bin'), new Uint8Array([0, 1, 2, 255]));
    const s2 = await bp([
      'send',
      'ipn:2.1',
      join(dir, 'p.bin'),
      '--node',
      '1',
      '--route',
      `2=udp://127.0.0.1:${port}`,
      '--json',
    ]);
    assert.equal(s2.code, 0, s2.stderr);
    assert.equal(JSON.parse(s2.stdout).payloadLength, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const r = await recv;
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { source: string; payloadHex: string });
  assert.deepEqual(
    lines.map((l) => l.source),
    ['ipn:1.1', 'ipn:1.1'],
  );
  assert.equal(Buffer.from(lines[0]!.payloadHex, 'hex').toString(), 'hello over bp');
  assert.equal(lines[1]!.payloadHex, '000102ff');
});

test('bp file-cla write and read, with ION framing, errors and --json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-filecla-'));
  try {
    const b1 = join(dir, 'b1.bundle');
    writeFileSync(b1, fromHex(ion[0]!.hex));
    const f = join(dir, 'cla.bin');
    const w = await bp(['file-cla', 'write', f, b1, b1]);
    assert.equal(w.code, 0, w.stderr);
    const frame = toHex(encodeFileClaFrame(fromHex(ion[0]!.hex)));
    assert.equal(toHex(readFileSync(f)), frame + frame);
    const r = await bp(['file-cla', 'read', f, '--json']);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { result: string; offset: number; hex?: string });
    assert.deepEqual(
      lines.map((l) => [l.result, l.offset]),
      [
        ['bundle', 0],
        ['bundle', 86],
        ['waiting', 172],
      ],
    );
    assert.equal(lines[0]!.hex, ion[0]!.hex);
    const bad = join(dir, 'bad.bundle');
    writeFileSync(bad, new Uint8Array([1, 2, 3]));
    const wb = await bp(['file-cla', 'write', f, bad]);
    assert.equal(wb.code, 1);
    assert.match(wb.stderr, /not a valid bundle/);
    // --resume keeps the position.
    await bp(['file-cla', 'read', f, '--resume']);
    const again = await bp(['file-cla', 'read', f, '--resume', '--json']);
    assert.deepEqual(
      again.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { result: string }).result),
      ['waiting'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bp: bad arguments exit with code 2', async () => {
  const ca = join(tmpdir(), `ccsds-bp-ca-${process.pid}.pem`);
  writeFileSync(ca, 'not read as PEM until a session starts');
  try {
    const policy = await bp(['agent', '--node', '1', '--tls-ca', ca, '--tls-node-id', 'maybe']);
    assert.equal(policy.code, 2);
    assert.match(policy.stderr, /--tls-node-id must be if-present or required/);
    const noTls = await bp(['agent', '--node', '1', '--tls-node-id', 'required']);
    assert.equal(noTls.code, 2);
    assert.match(noTls.stderr, /need --tls-cert/);
  } finally {
    rmSync(ca, { force: true });
  }
  assert.equal((await bp(['send', 'nonsense', '--text', 'x', '--node', '1'])).code, 2);
  assert.equal((await bp(['send', 'ipn:2.1', '--text', 'x'])).code, 2);
  assert.equal(
    (await bp(['send', 'ipn:2.1', '--text', 'x', '--node', '1', '--route', 'bad'])).code,
    2,
  );
  assert.equal(
    (
      await bp([
        'agent',
        '--node',
        '1',
        '--bind',
        'udp://127.0.0.1:0',
        '--duration',
        '50',
        '--json',
      ])
    ).code,
    0,
  );
});
