import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// DESIGN.md rule 2: everything under src/ except the listed Node-only modules imports nothing
// from node:* (or bare Node built-ins), so the stack runs in browsers, Deno and Bun.
const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const NODE_ONLY = [/^transport\/(udp|tcp|zmq)/, /^filestore\/native/, /\/node\//, /\.node\.ts$/];
const BUILTINS = [
  'fs',
  'path',
  'os',
  'net',
  'dgram',
  'child_process',
  'stream',
  'crypto',
  'zlib',
  'util',
  'events',
  'url',
  'buffer',
  'worker_threads',
  'http',
  'https',
  'tls',
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('portable layers import nothing from node:*', () => {
  const offenders: string[] = [];
  const all = files(src);
  assert.ok(all.length > 5);
  for (const f of all) {
    const rel = relative(src, f).replaceAll('\\', '/');
    if (NODE_ONLY.some((r) => r.test(rel))) continue;
    const text = readFileSync(f, 'utf8');
    const re = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g;
    for (const m of text.matchAll(re)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || BUILTINS.includes(spec.split('/')[0]!))
        offenders.push(`${rel}: ${spec}`);
    }
    if (/\bprocess\.|\bBuffer\./.test(text)) offenders.push(`${rel}: uses process or Buffer`);
  }
  assert.deepEqual(offenders, []);
});

test('the check itself catches a node: import', () => {
  const re = /(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g;
  const found = [...`import { x } from 'node:fs'; await import("node:net")`.matchAll(re)].map(
    (m) => m[1],
  );
  assert.deepEqual(found, ['node:fs', 'node:net']);
});
