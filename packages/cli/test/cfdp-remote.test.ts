import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { RealClock } from 'ccsds/core';
import { CfdpEntity, RemoteOperations, simpleMib } from 'ccsds/cfdp';
import { NativeFileStore } from 'ccsds/filestore/node';
import { UdpTransport } from 'ccsds/transport/node';
import { registerCfdpRemoteCommands } from '../src/cfdp-remote.js';
import { buildProgram } from '../src/main.js';
import { CliFailure, type Output } from '../src/output.js';
import { type CliResult, runCli } from './support.js';

/**
 * Runs `ccsds cfdp <args>` in-process: through `main` once cfdp.ts registers the remote
 * commands, until then through the same program with them added here, with main's exit codes.
 */
async function cfdp(args: string[]): Promise<CliResult> {
  const probe = buildProgram({ stdout: () => undefined, stderr: () => undefined });
  const noun = probe.commands.find((c) => c.name() === 'cfdp');
  if (noun?.commands.some((c) => c.name() === 'ls') === true) return runCli(['cfdp', ...args]);
  let stdout = '';
  let stderr = '';
  const out: Output = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const program = buildProgram(out);
  registerCfdpRemoteCommands(program.commands.find((c) => c.name() === 'cfdp')!, out);
  const json = args.includes('--json');
  let code: number;
  try {
    await program.parseAsync(['cfdp', ...args], { from: 'user' });
    code = out.exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else {
      code = e instanceof CliFailure ? e.exitCode : 1;
      const message = e instanceof Error ? e.message : String(e);
      if (json) stdout += JSON.stringify({ error: { message } }) + '\n';
      else stderr += `ccsds: ${message}\n`;
    }
  }
  return { code, stdout, stderr };
}

async function freeUdpPort(): Promise<number> {
  const t = await UdpTransport.open();
  const port = Number(/:(\d+)$/.exec(t.address)![1]);
  await t.close();
  return port;
}

/** Entity 2 with user operations, on real UDP, answering entity 1 at `clientPort`. */
async function startServer(root: string, clientPort: number, grants: string[]) {
  const transport = await UdpTransport.open();
  const filestore = await NativeFileStore.open(root);
  const clock = new RealClock();
  const mib = simpleMib(2, [
    { entityId: 1, address: `udp://127.0.0.1:${clientPort}`, allowedOperations: grants },
  ]);
  const entity = new CfdpEntity({ mib, transport, filestore, clock });
  const ops = new RemoteOperations(entity, filestore, mib, { clock });
  return {
    address: transport.address,
    entity,
    ops,
    close: async () => {
      ops.close();
      await entity.close(200);
      await transport.close();
    },
  };
}

async function setup(grants: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-remote-'));
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  mkdirSync(a);
  mkdirSync(b);
  const port = await freeUdpPort();
  const server = await startServer(b, port, grants);
  const flags = [
    '--entity-id',
    '1',
    '--bind',
    `udp://127.0.0.1:${port}`,
    '--peer',
    `2=${server.address}`,
  ];
  return {
    dir,
    a,
    b,
    server,
    flags,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('cfdp get over real UDP: the file arrives; a missing or refused file fails with exit 1', async () => {
  const env = await setup(['get', 'remote-status', 'remote-suspend']);
  try {
    mkdirSync(join(env.b, 'data'));
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    writeFileSync(join(env.b, 'data', 'f.bin'), data);
    const r = await cfdp([
      'get',
      '2:data/f.bin',
      join(env.a, 'got.bin'),
      ...env.flags,
      '--filestore',
      env.a,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines[0]!['event'], 'request');
    assert.match(String(lines[0]!['requestId']), /^1:\d+$/);
    const fin = lines.at(-1)!;
    assert.equal(fin['ok'], true);
    assert.equal(fin['octets'], 300_000);
    assert.deepEqual(readFileSync(join(env.a, 'got.bin')), data);
    // Without --filestore the local file's folder is the filestore; text output.
    const t = await cfdp([
      'get',
      '2:data/f.bin',
      join(env.a, 'again.bin'),
      ...env.flags,
      '--class',
      '1',
      '--closure',
    ]);
    assert.equal(t.code, 0, t.stderr + t.stdout);
    assert.match(t.stdout, /^got 2:data\/f.bin as .*again.bin \(300000 octets\)/);
    assert.equal(statSync(join(env.a, 'again.bin')).size, 300_000);
    // The finished transfer is terminated at entity 2; a resume of it is not possible.
    const fileId = String(fin['fileTransactionId']);
    const st = await cfdp(['status', fileId, ...env.flags, '--json']);
    assert.equal(st.code, 0, st.stderr + st.stdout);
    const sj = JSON.parse(st.stdout) as {
      transactionStatus: string;
      report: { role: string; progress: number };
    };
    assert.equal(sj.transactionStatus, 'terminated');
    assert.equal(sj.report.role, 'sender');
    assert.equal(sj.report.progress, 300_000);
    const re = await cfdp(['resume', fileId, ...env.flags]);
    assert.equal(re.code, 1);
    assert.match(re.stdout, /not suspended \(terminated\)/);
    const unknown = await cfdp(['status', '2:4000000000', ...env.flags]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /unrecognized/);
    const missing = await cfdp(['get', '2:data/nope.bin', join(env.a, 'nope.bin'), ...env.flags]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /condition code 4/);
    const escape = await cfdp(['get', '2:../a/got.bin', join(env.a, 'x.bin'), ...env.flags]);
    assert.equal(escape.code, 1);
    const usage = await cfdp(['get', 'nowhere', join(env.a, 'x.bin'), ...env.flags]);
    assert.equal(usage.code, 2);
    const noPeer = await cfdp(['get', '5:x', join(env.a, 'x.bin'), '--entity-id', '1']);
    assert.equal(noPeer.code, 2);
    assert.match(noPeer.stderr, /no address for entity 5/);
    const cancelNoRemote = await cfdp(['cancel', '1:5', ...env.flags]);
    assert.equal(cancelNoRemote.code, 2);
  } finally {
    await env.close();
  }
});

test('cfdp ls, mkdir, mv, rm, rmdir over real UDP; refused operations exit 1', async () => {
  const env = await setup([
    'directory-listing',
    'filestore:delete-file',
    'filestore:rename-file',
    'filestore:remove-directory',
  ]);
  try {
    mkdirSync(join(env.b, 'logs'));
    writeFileSync(join(env.b, 'logs', 'one.txt'), 'one');
    writeFileSync(join(env.b, 'logs', 'two.txt'), 'second');
    const mk = await cfdp(['mkdir', '2:logs/old', '2:logs/new', ...env.flags]);
    assert.equal(mk.code, 0, mk.stderr + mk.stdout);
    assert.equal(mk.stdout, 'mkdir logs/old: ok\nmkdir logs/new: ok\n');
    const mv = await cfdp(['mv', '2:logs/one.txt', 'logs/old/one.txt', ...env.flags]);
    assert.equal(mv.code, 0, mv.stderr + mv.stdout);
    const ls = await cfdp(['ls', '2:logs', ...env.flags]);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = ls.stdout.trim().split('\n');
    assert.match(rows[0]!, /^t\s+size\s+modified\s+name$/);
    assert.deepEqual(
      rows.slice(1).map((r) => r.split(/\s+/).filter((x, i) => i !== 2 && i !== 3)),
      [
        ['d', '0', 'new'],
        ['d', '0', 'old'],
        ['f', '6', 'two.txt'],
      ],
    );
    const json = await cfdp(['ls', '2:logs/old', ...env.flags, '--json']);
    const j = JSON.parse(json.stdout) as {
      ok: boolean;
      entries: { name: string; type: string; size: number; modified: string }[];
    };
    assert.equal(j.ok, true);
    assert.deepEqual(
      j.entries.map((e) => [e.name, e.type, e.size]),
      [['one.txt', 'file', 3]],
    );
    assert.ok(
      Math.abs(
        Date.parse(j.entries[0]!.modified) -
          statSync(join(env.b, 'logs', 'old', 'one.txt')).mtimeMs,
      ) < 1000,
    );
    const rm = await cfdp(['rm', '2:logs/two.txt', '2:logs/old/one.txt', ...env.flags, '--json']);
    assert.equal(rm.code, 0, rm.stdout);
    assert.deepEqual(
      (JSON.parse(rm.stdout) as { responses: { statusCode: number }[] }).responses.map(
        (x) => x.statusCode,
      ),
      [0, 0],
    );
    const rmdir = await cfdp(['rmdir', '2:logs/old', '2:logs/new', ...env.flags]);
    assert.equal(rmdir.code, 0, rmdir.stdout);
    assert.deepEqual(
      (await cfdp(['ls', '2:logs', ...env.flags, '--json'])).stdout.includes('"entries":[]'),
      true,
    );
    // Failures: a missing file, a non-empty directory, a directory that does not exist.
    const gone = await cfdp(['rm', '2:logs/two.txt', ...env.flags]);
    assert.equal(gone.code, 1);
    assert.match(gone.stdout, /rm logs\/two.txt: failed \(status 1/);
    const noDir = await cfdp(['ls', '2:nope', ...env.flags]);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /could not or would not list nope/);
    const env2 = await setup([]);
    try {
      writeFileSync(join(env2.b, 'keep.txt'), 'keep');
      const refused = await cfdp(['rm', '2:keep.txt', ...env2.flags]);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /failed \(status 2, not allowed by policy\)/);
      assert.equal(readFileSync(join(env2.b, 'keep.txt'), 'utf8'), 'keep');
      assert.equal((await cfdp(['ls', '2:/', ...env2.flags])).code, 1);
    } finally {
      await env2.close();
    }
  } finally {
    await env.close();
  }
});
