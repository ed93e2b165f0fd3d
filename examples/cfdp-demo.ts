/**
 * The main job (`npm start`): a real CFDP transfer between two entities on 127.0.0.1, each its own
 * process speaking UDP. Entity 2 runs `ccsds cfdp serve` (the receiver); entity 1 runs
 * `ccsds cfdp put` to send a 4 MiB file in Class 2 (acknowledged) and waits for the Finished PDU.
 * Then the received file is compared with the original.
 */
import { spawn } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'packages',
  'cli',
  'src',
  'main.ts',
);
const node = [process.execPath, '--import', 'tsx', '--conditions=ccsds-source', cli];

/** A free UDP port: ask the OS for a free TCP port and use the same number (good enough on loopback). */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'ccsds-cfdp-demo-'));
const ground = join(dir, 'ground');
const spacecraft = join(dir, 'spacecraft');
mkdirSync(ground);
mkdirSync(spacecraft);
const data = randomBytes(4 * 1024 * 1024);
writeFileSync(join(ground, 'science.bin'), data);
const [p1, p2] = [await freePort(), await freePort()];

console.log(
  `$ ccsds cfdp serve --entity-id 2 --bind udp://127.0.0.1:${p2} --peer 1=udp://127.0.0.1:${p1} --filestore ${spacecraft}`,
);
const server = spawn(
  node[0]!,
  [
    ...node.slice(1),
    'cfdp',
    'serve',
    '--entity-id',
    '2',
    '--bind',
    `udp://127.0.0.1:${p2}`,
    '--peer',
    `1=udp://127.0.0.1:${p1}`,
    '--filestore',
    spacecraft,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (d: Buffer) => {
    process.stdout.write(`  [entity 2] ${d.toString()}`);
    if (d.toString().includes('listening')) resolve();
  });
  server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

console.log(
  `$ ccsds cfdp put ${join(ground, 'science.bin')} 2:downlink/science.bin --class 2 --entity-id 1 --bind udp://127.0.0.1:${p1} --peer 2=udp://127.0.0.1:${p2}`,
);
mkdirSync(join(spacecraft, 'downlink'));
const put = spawn(
  node[0]!,
  [
    ...node.slice(1),
    'cfdp',
    'put',
    join(ground, 'science.bin'),
    '2:downlink/science.bin',
    '--class',
    '2',
    '--entity-id',
    '1',
    '--bind',
    `udp://127.0.0.1:${p1}`,
    '--peer',
    `2=udp://127.0.0.1:${p2}`,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
const code = await new Promise<number>((resolve) => put.on('exit', (c) => resolve(c ?? 1)));
await new Promise((r) => setTimeout(r, 200));
server.kill('SIGINT');
await new Promise((r) => server.on('exit', r));

const received = readFileSync(join(spacecraft, 'downlink', 'science.bin'));
const same =
  createHash('sha256').update(received).digest('hex') ===
  createHash('sha256').update(data).digest('hex');
console.log(
  `\nput exited with ${code}; received file ${same ? 'is byte-identical' : 'DIFFERS'} (${received.length} octets)`,
);
rmSync(dir, { recursive: true, force: true });
process.exitCode = code === 0 && same ? 0 : 1;
