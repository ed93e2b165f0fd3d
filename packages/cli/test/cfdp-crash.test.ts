import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

const logs: string[] = [];

/** Starts `ccsds cfdp serve` and resolves once it listens. */
function serve(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', main, 'cfdp', 'serve', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    p.stdout!.on('data', (d: Buffer) => {
      logs.push(d.toString());
      if (d.toString().includes('listening')) resolve(p);
    });
    p.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    p.on('exit', (c) => reject(new Error(`serve exited with ${c}:\n${logs.join('')}`)));
  });
}

function put(args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=ccsds-source', main, 'cfdp', 'put', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/**
 * kill -9 of either entity in the middle of a Class 2 transfer; the restarted entity resumes it
 * from its journal and the file arrives byte-identical.
 */
for (const victim of ['receiver', 'sender'] as const) {
  test(
    `SIGKILL of the ${victim} during a transfer: restart resumes it, file byte-identical`,
    { timeout: 120_000 },
    async () => {
      for (const killAfterMs of [100, 400]) {
        logs.length = 0;
        const dir = mkdtempSync(join(tmpdir(), 'ccsds-crash-'));
        const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
        for (const d of ['a', 'b', 'sa', 'sb']) mkdirSync(join(dir, d));
        const data = randomBytes(24 << 20);
        writeFileSync(join(dir, 'a', 'f.bin'), data);
        const timers = JSON.stringify({
          ackTimerMs: 300,
          nakTimerMs: 300,
          inactivityTimerMs: 60_000,
          ackLimit: 200,
          nakLimit: 200,
          keepAliveIntervalMs: 0,
          sendRateBytesPerSecond: 20_000_000,
        });
        const cfg = (self: number, peer: number, port: number): string => {
          const f = join(dir, `mib${self}.json`);
          writeFileSync(
            f,
            JSON.stringify({
              local: { entityId: self },
              remotes: [
                { entityId: peer, address: `udp://127.0.0.1:${port}`, ...JSON.parse(timers) },
              ],
            }),
          );
          return f;
        };
        const argsA = [
          '--config',
          cfg(1, 2, pb),
          '--bind',
          `udp://127.0.0.1:${pa}`,
          '--filestore',
          join(dir, 'a'),
          '--state',
          join(dir, 'sa'),
          '--control',
          `tcp://127.0.0.1:${pc}`,
        ];
        const argsB = [
          '--config',
          cfg(2, 1, pa),
          '--bind',
          `udp://127.0.0.1:${pb}`,
          '--filestore',
          join(dir, 'b'),
          '--state',
          join(dir, 'sb'),
        ];
        let a = await serve(argsA);
        let b = await serve(argsB);
        try {
          const p = put([
            join(dir, 'a', 'f.bin'),
            '2:g.bin',
            '--via',
            `tcp://127.0.0.1:${pc}`,
            '--json',
          ]);
          p.stderr!.on('data', (d: Buffer) => logs.push(`put: ${d.toString()}`));
          // Kill once the transfer is under way (its first progress report), plus a delay.
          await new Promise<void>((r) =>
            p.stdout!.on('data', (d: Buffer) => {
              logs.push(`put: ${d.toString()}`);
              if (d.toString().includes('progress')) r();
            }),
          );
          await new Promise((r) => setTimeout(r, killAfterMs));
          assert.ok(!existsSync(join(dir, 'b', 'g.bin')), 'still in progress when killed');
          if (victim === 'receiver') {
            b.kill('SIGKILL');
            await new Promise((r) => b.once('exit', r));
            await new Promise((r) => setTimeout(r, 300));
            b = await serve(argsB);
          } else {
            a.kill('SIGKILL');
            await new Promise((r) => a.once('exit', r));
            a = await serve(argsA);
          }
          const arrived = await waitFor(() => existsSync(join(dir, 'b', 'g.bin')), 60_000);
          assert.ok(arrived, `file arrived (kill after ${killAfterMs} ms)\n${logs.join('')}`);
          assert.equal(
            sha(readFileSync(join(dir, 'b', 'g.bin'))),
            sha(data),
            `byte-identical (kill after ${killAfterMs} ms)`,
          );
          p.kill();
        } finally {
          a.kill('SIGKILL');
          b.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        }
      }
    },
  );
}
