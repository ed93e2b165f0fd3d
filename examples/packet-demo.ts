/**
 * The main job until CFDP lands (`npm start`): make a Space Packet stream the way a real
 * downlink delivers one — three APIDs, a few lost packets, idle packets and bursts of garbage —
 * then look at it with the `ccsds packets` commands: info, validate, split.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../packages/cli/src/main.js';

const dir = mkdtempSync(join(tmpdir(), 'ccsds-demo-'));
const stream = join(dir, 'downlink.bin');

async function run(args: string[]): Promise<number> {
  console.log(`\n$ ccsds ${args.join(' ')}`);
  return main(args);
}

try {
  await run([
    'packets',
    'generate',
    '-o',
    stream,
    '--count',
    '20000',
    '--apids',
    '100,200,300',
    '--drop',
    '0.002',
    '--garbage',
    '0.001',
    '--idle',
    '0.01',
    '--seed',
    '7',
  ]);
  await run(['packets', 'info', stream, '--apids', '100,200,300']);
  const code = await run(['packets', 'validate', stream, '--apids', '100,200,300']);
  console.log(`(validate exited with ${code}: the stream has the gaps and garbage we put in)`);
  await run([
    'packets',
    'split',
    stream,
    '--apids',
    '100,200,300',
    '--drop-idle',
    '--out',
    join(dir, 'split'),
  ]);
  await run(['packets', 'validate', join(dir, 'split', 'apid-100.bin')]);
  console.log(`\nfiles: ${readdirSync(join(dir, 'split')).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
