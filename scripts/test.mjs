#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test with Node's test runner through tsx, using the
// library's TypeScript sources (the `ccsds-source` export condition). Extra arguments are test
// file filters (substrings of the path).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const pkg of readdirSync(join(root, 'packages'))) {
  const t = join(root, 'packages', pkg, 'test');
  try {
    if (statSync(t).isDirectory()) walk(t);
  } catch {
    // package without tests
  }
}
const filters = process.argv.slice(2);
const selected = files
  .sort()
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './scripts/test-setup.mjs',
    '--conditions=ccsds-source',
    '--test',
    '--test-concurrency=2',
    ...selected,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
