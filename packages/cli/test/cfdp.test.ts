import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UdpTransport } from 'ccsds/transport/node';
import { runCli } from './support.js';

test('cfdp put: clear errors and exit codes for bad input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-cfdp-'));
  try {
    writeFileSync(join(dir, 'f.bin'), 'x');
    const noPeer = await runCli(['cfdp', 'put', join(dir, 'f.bin'), '2:f.bin', '--entity-id', '1']);
    assert.equal(noPeer.code, 2);
    assert.match(noPeer.stderr, /no address for entity 2/);
    const badDest = await runCli([
      'cfdp',
      'put',
      join(dir, 'f.bin'),
      'nowhere',
      '--entity-id',
      '1',
    ]);
    assert.equal(badDest.code, 2);
    const missing = await runCli([
      'cfdp',
      'put',
      join(dir, 'nope.bin'),
      '2:x',
      '--entity-id',
      '1',
      '--peer',
      '2=udp://127.0.0.1:9',
      '--json',
    ]);
    assert.equal(missing.code, 2);
    assert.match(JSON.parse(missing.stdout).error.message as string, /cannot read/);
    const badChecksum = await runCli([
      'cfdp',
      'put',
      join(dir, 'f.bin'),
      '2:x',
      '--entity-id',
      '1',
      '--peer',
      '2=udp://127.0.0.1:9',
      '--checksum',
      'md5',
    ]);
    assert.equal(badChecksum.code, 2);
    const badConfig = await runCli(['cfdp', 'serve', '--config', join(dir, 'f.bin')]);
    assert.equal(badConfig.code, 1);
    assert.match(badConfig.stderr, /MIB/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cfdp put to a silent peer fails with a non-zero exit and a JSON outcome', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-cfdp-'));
  const silent = await UdpTransport.open(); // receives and never answers
  try {
    writeFileSync(join(dir, 'f.bin'), 'hello');
    const cfg = join(dir, 'mib.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        local: { entityId: 1 },
        remotes: [
          {
            entityId: 2,
            address: silent.address,
            ackTimerMs: 50,
            ackLimit: 3,
            inactivityTimerMs: 2000,
          },
        ],
      }),
    );
    const r = await runCli([
      'cfdp',
      'put',
      join(dir, 'f.bin'),
      '2:f.bin',
      '--config',
      cfg,
      '--json',
    ]);
    assert.equal(r.code, 1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event?: string; ok?: boolean; conditionCode?: number });
    const fin = lines.find((l) => l.event === 'finished');
    assert.equal(fin?.ok, false);
    assert.notEqual(fin?.conditionCode, 0);
    assert.ok(lines.some((l) => l.event === 'eofSent'));
  } finally {
    await silent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cfdp put --via sends through a running entity (two real processes and a control channel)', async () => {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const { mkdirSync, readFileSync } = await import('node:fs');
  const free = (): Promise<number> =>
    new Promise((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-via-'));
  const [pa, pb, pc] = [await free(), await free(), await free()];
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  const data = Buffer.alloc(300_000, 7);
  writeFileSync(join(dir, 'a', 'f.bin'), data);
  const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
  const start = (args: string[]): ReturnType<typeof spawn> =>
    spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', main, 'cfdp', 'serve', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
  const a = start([
    '--entity-id',
    '1',
    '--bind',
    `udp://127.0.0.1:${pa}`,
    '--peer',
    `2=udp://127.0.0.1:${pb}`,
    '--filestore',
    join(dir, 'a'),
    '--control',
    `tcp://127.0.0.1:${pc}`,
  ]);
  const b = start([
    '--entity-id',
    '2',
    '--bind',
    `udp://127.0.0.1:${pb}`,
    '--peer',
    `1=udp://127.0.0.1:${pa}`,
    '--filestore',
    join(dir, 'b'),
  ]);
  const ready = (p: ReturnType<typeof spawn>): Promise<void> =>
    new Promise((r) =>
      p.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && r()),
    );
  try {
    await Promise.all([ready(a), ready(b)]);
    const r = await runCli([
      'cfdp',
      'put',
      join(dir, 'a', 'f.bin'),
      '2:g.bin',
      '--via',
      `tcp://127.0.0.1:${pc}`,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    assert.equal(events[0], 'transaction');
    assert.equal(events.at(-1), 'finished');
    assert.deepEqual(readFileSync(join(dir, 'b', 'g.bin')), data);
    const outside = await runCli([
      'cfdp',
      'put',
      '/etc/hostname',
      '2:x',
      '--via',
      `tcp://127.0.0.1:${pc}`,
    ]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /not inside the entity's filestore/);
  } finally {
    a.kill('SIGINT');
    b.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
});
