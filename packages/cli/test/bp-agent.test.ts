/**
 * `ccsds bp send|recv --agent` against running `ccsds bp agent --app` processes: two agents
 * forwarding over TCPCLv4, applications in their own processes, and the stand-alone mode next
 * to it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCli } from './support.js';

const mainTs = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

interface Started {
  child: ChildProcess;
  bind: string[];
  app: string;
  lines: string[];
  stderr: string[];
}

/** Starts `ccsds bp agent ... --json` and waits for its `started` line. */
function startAgent(args: string[]): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', mainTs, 'bp', 'agent', ...args, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    const stderr: string[] = [];
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(l);
        const m = JSON.parse(l) as { event: string; bind: string[]; app: string };
        if (m.event === 'started') resolve({ child, bind: m.bind, app: m.app, lines, stderr });
      }
    });
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    child.on('exit', (c) => reject(new Error(`agent exited with ${c}: ${stderr.join('')}`)));
  });
}

async function stop(a: Started): Promise<number | null> {
  if (a.child.exitCode !== null) return a.child.exitCode;
  const exited = new Promise<number | null>((r) => a.child.once('exit', (c) => r(c)));
  a.child.kill('SIGTERM');
  return exited;
}

test(
  'bp send/recv --agent: applications hand bundles to a running agent, which forwards them over TCPCLv4 to the agent their receiver talks to',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-bp-agent-'));
    let b: Started | undefined;
    let a: Started | undefined;
    try {
      b = await startAgent([
        '--node',
        '2',
        '--bind',
        'tcpcl://127.0.0.1:0',
        '--app',
        '127.0.0.1:0',
      ]);
      a = await startAgent([
        '--node',
        '1',
        '--bind',
        'tcpcl://127.0.0.1:0',
        '--route',
        `2=${b.bind[0]}`,
        '--app',
        '127.0.0.1:0',
      ]);
      assert.match(a.app, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      const appA = a.app.slice('tcp://'.length);
      const appB = b.app.slice('tcp://'.length);

      const s1 = await spawnCli(['bp', 'send', 'ipn:2.1', '--text', 'first', '--agent', appA]);
      assert.equal(s1.code, 0, s1.stderr);
      assert.match(s1.stdout, /^sent ipn:1\.1@\d+\.\d+ -> ipn:2\.1 \(5 octets\) through the agent/);
      const file = join(dir, 'payload.bin');
      writeFileSync(file, new Uint8Array([0, 1, 2, 250, 251]));
      const s2 = await spawnCli(['bp', 'send', 'ipn:2.1', file, '--agent', appA, '--json']);
      assert.equal(s2.code, 0, s2.stderr);
      assert.equal((JSON.parse(s2.stdout) as { payloadLength: number }).payloadLength, 5);
      // stdin, and the stand-alone mode (a node of its own) straight to agent 2.
      const s3 = await spawnCli(
        ['bp', 'send', 'ipn:2.1', '-', '--agent', appA],
        new TextEncoder().encode('third'),
      );
      assert.equal(s3.code, 0, s3.stderr);
      const s4 = await spawnCli([
        'bp',
        'send',
        'ipn:2.1',
        '--text',
        'fourth',
        '--node',
        '3',
        '--route',
        `2=${b.bind[0]}`,
      ]);
      assert.equal(s4.code, 0, s4.stderr);

      // Nobody was registered on ipn:2.1: agent 2 kept them; a receiver gets them now.
      const r = await spawnCli([
        'bp',
        'recv',
        'ipn:2.1',
        '--agent',
        appB,
        '--count',
        '4',
        '--timeout',
        '30000',
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const got = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { source: string; payloadHex: string });
      assert.deepEqual(
        got.map((g) => Buffer.from(g.payloadHex, 'hex').toString('latin1')).sort(),
        ['\u0000\u0001\u0002úû', 'first', 'fourth', 'third'].sort(),
      );
      assert.deepEqual(got.map((g) => g.source).sort(), [
        'ipn:1.1',
        'ipn:1.1',
        'ipn:1.1',
        'ipn:3.1',
      ]);

      // A receiver waiting first, in text mode; the bundle comes while it waits.
      const waiting = spawnCli([
        'bp',
        'recv',
        'ipn:2.7',
        '--agent',
        appB,
        '--count',
        '1',
        '--timeout',
        '30000',
      ]);
      await new Promise((res) => setTimeout(res, 1500));
      const s5 = await spawnCli(['bp', 'send', 'ipn:2.7', '--text', 'live', '--agent', appA]);
      assert.equal(s5.code, 0, s5.stderr);
      const w = await waiting;
      assert.equal(w.code, 0, w.stderr);
      assert.equal(w.stdout, 'live\n');

      // Wrong node, no agent, conflicting options.
      const wrong = await spawnCli(['bp', 'recv', 'ipn:5.1', '--agent', appB, '--count', '1']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /this agent is node 2, not 5/);
      const none = await spawnCli([
        'bp',
        'send',
        'ipn:2.1',
        '--text',
        'x',
        '--agent',
        '127.0.0.1:1',
      ]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no agent at 127\.0\.0\.1:1/);
      const both = await spawnCli([
        'bp',
        'send',
        'ipn:2.1',
        '--text',
        'x',
        '--agent',
        appA,
        '--node',
        '1',
      ]);
      assert.equal(both.code, 2);

      assert.ok(a.lines.some((l) => l.includes('"event":"forwarded"')));
      assert.equal(await stop(a), 0);
      assert.equal(await stop(b), 0);
    } finally {
      if (a !== undefined) await stop(a);
      if (b !== undefined) await stop(b);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

let noOpenssl: string | false = false;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  noOpenssl = 'the openssl command is not installed, so no certificates can be made';
  console.log(`# bp agent TLS test skipped: ${noOpenssl}`);
}

test(
  'bp agent --tls-*: two agents forward over TCPCLv4 secured by TLS (certificates made by openssl)',
  { timeout: 120_000, skip: noOpenssl },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-bp-tls-'));
    let b: Started | undefined;
    let a: Started | undefined;
    try {
      const ossl = (...args: string[]) =>
        execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      ossl(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '2',
        '-subj',
        '/CN=ca',
      );
      ossl('req', ...ec, '-keyout', 'n2.key', '-out', 'n2.csr', '-subj', '/CN=ipn:2.0');
      writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,URI:ipn:2.0\n');
      ossl(
        'x509',
        '-req',
        '-in',
        'n2.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'n2.pem',
        '-days',
        '2',
        '-extfile',
        'ext.cnf',
      );
      b = await startAgent([
        '--node',
        '2',
        '--bind',
        'tcpcl://127.0.0.1:0',
        '--app',
        '127.0.0.1:0',
        '--tls-cert',
        join(dir, 'n2.pem'),
        '--tls-key',
        join(dir, 'n2.key'),
        '--tls-require',
      ]);
      a = await startAgent([
        '--node',
        '1',
        '--bind',
        'tcpcl://127.0.0.1:0',
        '--route',
        `2=${b.bind[0]}`,
        '--app',
        '127.0.0.1:0',
        '--tls-ca',
        join(dir, 'ca.pem'),
        '--tls-node-id',
        'required',
      ]);
      const s = await spawnCli([
        'bp',
        'send',
        'ipn:2.1',
        '--text',
        'over tls',
        '--agent',
        a.app.slice(6),
      ]);
      assert.equal(s.code, 0, s.stderr);
      const r = await spawnCli([
        'bp',
        'recv',
        'ipn:2.1',
        '--agent',
        b.app.slice(6),
        '--count',
        '1',
        '--timeout',
        '30000',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'over tls\n');
      assert.equal(await stop(a), 0);
      assert.equal(await stop(b), 0);
    } finally {
      if (a !== undefined) await stop(a);
      if (b !== undefined) await stop(b);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'bp agent --app-token: send and recv through the application interface need the token',
  { timeout: 60_000 },
  async () => {
    const token = 'a-token-for-this-agent';
    const agent = await startAgent([
      '--node',
      '2',
      '--bind',
      'tcpcl://127.0.0.1:0',
      '--app',
      '127.0.0.1:0',
      '--app-token',
      token,
    ]);
    try {
      const app = agent.app.slice('tcp://'.length);
      const none = await spawnCli(['bp', 'send', 'ipn:2.1', '--text', 'x', '--agent', app]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no access token/);
      const wrong = await spawnCli([
        'bp',
        'recv',
        'ipn:2.1',
        '--agent',
        app,
        '--count',
        '1',
        '--app-token',
        'not-the-token-of-it',
      ]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /wrong access token/);
      const sent = await spawnCli([
        'bp',
        'send',
        'ipn:2.1',
        '--text',
        'with the token',
        '--agent',
        app,
        '--app-token',
        token,
      ]);
      assert.equal(sent.code, 0, sent.stderr);
      const got = await spawnCli(
        ['bp', 'recv', 'ipn:2.1', '--agent', app, '--count', '1', '--timeout', '20000'],
        undefined,
        { CCSDS_BP_APP_TOKEN: token },
      );
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout, 'with the token\n');
    } finally {
      assert.equal(await stop(agent), 0);
    }
  },
);
