/**
 * BPSec on the command line: `bp send --bib-key/--bcb-key`, `bp agent --require-bib-from
 * --bib-key` and `bp recv --bcb-key`, between nodes on 127.0.0.1 over UDP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliResult, runCli } from './support.js';

/** Runs `ccsds bp <args>` in this process. */
const bp = (args: string[]): Promise<CliResult> => runCli(['bp', ...args]);

const port = (): number => 43000 + Math.floor(Math.random() * 2000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Key files: the HMAC key as hex text, another key as raw octets, AES keys. */
function keys(dir: string): Record<string, string> {
  const files = {
    hmacHex: join(dir, 'hmac.hex'),
    otherRaw: join(dir, 'other.key'),
    aes256: join(dir, 'aes256.hex'),
    aes128Raw: join(dir, 'aes128.key'),
    short: join(dir, 'short.key'),
  };
  writeFileSync(files.hmacHex, '1a2b3c4d5e6f708192a3b4c5d6e7f809\n');
  writeFileSync(files.otherRaw, new Uint8Array(32).fill(0xfe));
  writeFileSync(files.aes256, `${'71'.repeat(32)}\n`);
  writeFileSync(files.aes128Raw, new Uint8Array(16).fill(0xc3));
  writeFileSync(files.short, '00112233445566778899');
  return files;
}

test('bp agent --require-bib-from: a bundle signed by bp send --bib-key is forwarded; unsigned and wrongly keyed ones are deleted and counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-bpsec-'));
  const k = keys(dir);
  try {
    const agentPort = port();
    const recvPort = agentPort + 1;
    const recv = bp([
      'recv',
      'ipn:3.1',
      '--bind',
      `udp://127.0.0.1:${recvPort}`,
      '--count',
      '1',
      '--timeout',
      '8000',
      '--json',
    ]);
    const agent = bp([
      'agent',
      '--node',
      '2',
      '--bind',
      `udp://127.0.0.1:${agentPort}`,
      '--route',
      `3=udp://127.0.0.1:${recvPort}`,
      '--require-bib-from',
      '1',
      '--require-bib-from',
      '7',
      '--bib-key',
      k.hmacHex!,
      '--duration',
      '2500',
      '--json',
    ]);
    await sleep(300);
    const send = (text: string, extra: string[]): Promise<CliResult> =>
      bp([
        'send',
        'ipn:3.1',
        '--text',
        text,
        '--node',
        '1',
        '--route',
        `3=udp://127.0.0.1:${agentPort}`,
        ...extra,
      ]);
    for (const [text, extra] of [
      ['unsigned', []],
      ['wrong key', ['--bib-key', k.otherRaw!]],
    ] as const) {
      const s = await send(text, [...extra]);
      assert.equal(s.code, 0, s.stderr);
      await sleep(200);
    }
    const good = await send('signed', ['--bib-key', k.hmacHex!, '--bib-sha', '512']);
    assert.equal(good.code, 0, good.stderr);
    const r = await recv;
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim()) as { source: string; payloadHex: string };
    assert.equal(got.source, 'ipn:1.1');
    assert.equal(Buffer.from(got.payloadHex, 'hex').toString(), 'signed');
    const a = await agent;
    assert.equal(a.code, 0, a.stderr);
    const events = a.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; reason?: number; securityFailures?: number });
    // RFC 9172 §11.2: 12 missing security operation, 15 failed security operation.
    assert.deepEqual(
      events.filter((e) => e.event === 'deleted').map((e) => e.reason),
      [12, 15],
    );
    assert.equal(events.filter((e) => e.event === 'forwarded').length, 1);
    assert.equal(events.find((e) => e.event === 'stopped')?.securityFailures, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bp send --bcb-key encrypts the payload (with a BIB under it), bp recv --bcb-key decrypts it and reports what does not decrypt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-bpsec-'));
  const k = keys(dir);
  try {
    const p = port();
    const recv = bp([
      'recv',
      'ipn:2.1',
      '--bind',
      `udp://127.0.0.1:${p}`,
      '--bcb-key',
      k.aes256!,
      '--count',
      '3',
      '--timeout',
      '8000',
      '--json',
    ]);
    const plainPort = p + 1;
    const plain = bp([
      'recv',
      'ipn:4.1',
      '--bind',
      `udp://127.0.0.1:${plainPort}`,
      '--count',
      '1',
      '--timeout',
      '8000',
      '--json',
    ]);
    await sleep(300);
    const send = (text: string, to: string, extra: string[]): Promise<CliResult> =>
      bp([
        'send',
        to,
        '--text',
        text,
        '--node',
        '1',
        '--route',
        `2=udp://127.0.0.1:${p}`,
        '--route',
        `4=udp://127.0.0.1:${plainPort}`,
        ...extra,
      ]);
    for (const [text, extra] of [
      ['top secret', ['--bcb-key', k.aes256!, '--bib-key', k.hmacHex!]],
      ['wrong key', ['--bcb-key', k.aes128Raw!]],
      ['in clear', []],
    ] as const) {
      const s = await send(text, 'ipn:2.1', [...extra]);
      assert.equal(s.code, 0, s.stderr);
      await sleep(150);
    }
    // What travels is ciphertext: a receiver without the key sees no plaintext.
    const s = await send('top secret', 'ipn:4.1', ['--bcb-key', k.aes256!]);
    assert.equal(s.code, 0, s.stderr);
    const pl = await plain;
    assert.equal(pl.code, 0, pl.stderr);
    const seen = JSON.parse(pl.stdout.trim()) as { payloadHex: string };
    assert.equal(seen.payloadHex.length, 'top secret'.length * 2);
    assert.notEqual(Buffer.from(seen.payloadHex, 'hex').toString(), 'top secret');

    const r = await recv;
    assert.equal(r.code, 1, 'bundles that fail to decrypt make the exit code 1');
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { payloadHex?: string; error?: string });
    assert.equal(lines.length, 3);
    assert.equal(Buffer.from(lines[0]!.payloadHex!, 'hex').toString(), 'top secret');
    assert.match(lines[1]!.error!, /payload not decrypted/);
    assert.match(lines[2]!.error!, /payload not encrypted/);
    assert.match(r.stderr, /ipn:1\.1@\d+\.\d+: payload not decrypted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bp BPSec flags: bad values and combinations exit 2 with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cli-bpsec-'));
  const k = keys(dir);
  const send = ['send', 'ipn:2.1', '--text', 'x', '--node', '1', '--route', '2=udp://127.0.0.1:9'];
  try {
    const cases: [string[], RegExp][] = [
      [[...send, '--bib-key', k.hmacHex!, '--bib-sha', '224'], /--bib-sha must be 256, 384 or 512/],
      [[...send, '--bib-sha', '256'], /--bib-sha needs --bib-key/],
      [[...send, '--bib-key', join(dir, 'missing')], /cannot read --bib-key .*missing/],
      [[...send, '--bcb-key', k.short!], /--bcb-key must hold a 16-octet .* not 10 octets/],
      [
        ['send', 'ipn:2.1', '--text', 'x', '--agent', '127.0.0.1:9', '--bib-key', k.hmacHex!],
        /--agent: .*--bib-key cannot apply/,
      ],
      [
        ['recv', 'ipn:2.1', '--agent', '127.0.0.1:9', '--bcb-key', k.aes256!],
        /--agent: .*--bcb-key cannot apply/,
      ],
      [['agent', '--node', '2', '--require-bib-from', '1'], /--require-bib-from needs --bib-key/],
      [['agent', '--node', '2', '--bib-key', k.hmacHex!], /--bib-key needs --require-bib-from/],
      [
        ['agent', '--node', '2', '--require-bib-from', 'one', '--bib-key', k.hmacHex!],
        /--require-bib-from/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await bp(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
