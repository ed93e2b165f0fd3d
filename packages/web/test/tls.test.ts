/**
 * The console over TLS: https and wss with a certificate made by the `openssl` command at test
 * time (skipped, saying so, when it is missing); plain http to the same port gets nothing; the
 * token cookie is Secure; a WebSocket must come from the https origin.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { parseStationConfig, startConsole } from '../src/server/index.js';

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, ca: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wss(port: number, ca: string, origin: string, cookie: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca, headers: { origin, cookie } });
    ws.once('message', (d) => {
      resolve(String(JSON.parse(String(d))['type']));
      ws.close();
    });
    ws.once('error', (e) => resolve(`error: ${e.message}`));
  });
}

test(
  'the console over TLS: https and wss with the token, plain http refused, Secure cookie',
  { skip: haveOpenssl() ? false : 'the openssl command is not installed' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-web-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '2',
        '-subj',
        '/CN=console',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: dir, stdio: 'pipe' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    const c = await startConsole({
      port: 0,
      bind: '0.0.0.0',
      token: 'a-token-for-the-tls-console',
      config: parseStationConfig({}, '.'),
      tls: { cert, key },
    });
    try {
      assert.match(c.url, /^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const base = `https://127.0.0.1:${c.port}`;
      assert.equal((await get(`${base}/api/station`, cert)).status, 401);
      const ok = await get(`${base}/api/station`, cert, {
        authorization: 'Bearer a-token-for-the-tls-console',
      });
      assert.equal(ok.status, 200, ok.body);
      const page = await get(`${base}/?token=a-token-for-the-tls-console`, cert);
      assert.equal(page.status, 303);
      const cookie = String(page.headers['set-cookie']);
      assert.match(cookie, /HttpOnly; SameSite=Strict; Secure/);
      const jar = cookie.split(';')[0]!;
      assert.equal(await wss(c.port, cert, base, jar), 'hello');
      assert.match(await wss(c.port, cert, `http://127.0.0.1:${c.port}`, jar), /403/);
      // Plain http to the TLS port: no HTTP answer at all.
      const plain = await new Promise<string>((resolve) => {
        const req = httpRequest(`http://127.0.0.1:${c.port}/api/station`, (res) =>
          resolve(`answered ${res.statusCode}`),
        );
        req.on('error', (e) => resolve(`error ${e.message}`));
        req.end();
      });
      assert.doesNotMatch(plain, /answered 200/);
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
