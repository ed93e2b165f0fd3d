/**
 * Benchmarks between processes: runs a bench script as a child process that prints one JSON
 * object per line, and a receiver/sender pair of them (the sender starts once the receiver
 * printed `{"ready":true}`). Used by the CFDP and BP benchmarks.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = [process.execPath, '--import', 'tsx', '--conditions=ccsds-source'];

/** One JSON line a peer printed. */
export interface Line {
  [k: string]: unknown;
}

/**
 * Runs `script` (in this folder) with `args`, calling `onLine` for each line it prints; resolves
 * with all of them when it exits with 0. A `.ts` script runs on the sources (tsx); an `.mjs`
 * script on the compiled library with a 64 MiB heap, so that a run that completes shows memory
 * that does not grow with what it moves (V8 otherwise lets garbage pile up).
 */
export function runPeer(
  script: string,
  args: string[],
  onLine: (l: Line) => void,
): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const cmd = script.endsWith('.mjs')
      ? [process.execPath, '--max-old-space-size=64', join(here, script)]
      : [...tsx, join(here, script)];
    const p = spawn(cmd[0]!, [...cmd.slice(1), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Line[] = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = JSON.parse(buf.slice(0, i)) as Line;
        buf = buf.slice(i + 1);
        lines.push(l);
        onLine(l);
      }
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(lines) : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}

/** Runs a receiver, then once it is ready a sender; resolves with the last line of each. */
export async function runPair(
  receiver: [string, string[]],
  sender: [string, string[]],
): Promise<[Line, Line]> {
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const rx = runPeer(receiver[0], receiver[1], (l) => l['ready'] === true && ready());
  await Promise.race([isReady, rx]);
  const tx = await runPeer(sender[0], sender[1], () => undefined);
  const rxLines = await rx;
  return [rxLines[rxLines.length - 1]!, tx[tx.length - 1]!];
}

let nextPort = 40000 + Math.floor(Math.random() * 20000);

/** A loopback port for the next peer to listen on (a run moves through a random range). */
export function freePort(): number {
  return nextPort++;
}
