/** `ccsds web` as a real process: it serves, prints where, needs a token beyond loopback, cleans up. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runCli } from './support.js';

const mainTs = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

interface Started {
  url: string;
  port: number;
  token: string | null;
  filestore: string;
  demoFilestore: string | null;
}

/** Starts `ccsds web <args> --json` and resolves with its first line and a stop function. */
function startWeb(args: string[]): Promise<{ info: Started; stop: () => Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=ccsds-source',
        mainTs,
        'web',
        '--port',
        '0',
        '--json',
        ...args,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ccsds web did not start: ${err}`));
    }, 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve({
        info: JSON.parse(out.slice(0, nl)) as Started,
        stop: () =>
          new Promise((done) => {
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ccsds web exited with ${code}: ${err}`));
    });
  });
}

describe('ccsds web', () => {
  it('serves the console on loopback with the demo spacecraft and removes its temporary folders on SIGTERM', async () => {
    const { info, stop } = await startWeb([]);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(info.token, null);
    const r = await fetch(`http://127.0.0.1:${info.port}/api/station`);
    assert.equal(r.status, 200);
    const station = (await r.json()) as { entityId: string; remotes: { entityId: string }[] };
    assert.equal(station.entityId, '1');
    assert.equal(station.remotes[0]!.entityId, '2');
    assert.ok(existsSync(info.filestore) && existsSync(info.demoFilestore!));
    assert.equal(await stop(), 0);
    assert.ok(!existsSync(info.filestore));
    assert.ok(!existsSync(info.demoFilestore!));
  });

  it('prints a random token for a non-loopback bind and refuses requests without it', async () => {
    const { info, stop } = await startWeb(['--bind', '0.0.0.0']);
    try {
      assert.ok(info.token !== null && info.token.length >= 24);
      assert.equal((await fetch(`http://127.0.0.1:${info.port}/api/station`)).status, 401);
      const ok = await fetch(`http://127.0.0.1:${info.port}/api/station`, {
        headers: { authorization: `Bearer ${info.token}` },
      });
      assert.equal(ok.status, 200);
    } finally {
      await stop();
    }
  });

  it('refuses a short token and a missing config with exit code 2', async () => {
    const short = await runCli(['web', '--bind', '0.0.0.0', '--port', '0', '--token', 'short']);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 16 characters/);
    const missing = await runCli(['web', '--config', '/nonexistent/station.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read station config/);
    const port = await runCli(['web', '--port', '70000']);
    assert.equal(port.code, 2);
  });
});
