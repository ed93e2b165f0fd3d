import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every script the README shows runs and exits 0 (long-running simulations are run by their own
// npm scripts instead and listed here).
const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');
const LONG = new Set(['ber-curve.ts', 'cfdp-ebn0-sweep.ts']);

for (const name of readdirSync(examples).filter((n) => n.endsWith('.ts') && !LONG.has(n))) {
  test(`example ${name} runs`, () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', join(examples, name)],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'prints something');
  });
}
