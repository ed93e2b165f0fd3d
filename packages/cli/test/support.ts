/** Runs the CLI in-process with captured output, or as a real child process. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.js';
import type { Output } from '../src/output.js';

/** Result of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ccsds <args>` in this process. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out: Output = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  };
  const code = await main(args, out);
  return { code, stdout, stderr };
}

const mainTs = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

/** Runs `ccsds <args>` as a child process (through tsx), optionally feeding stdin and adding environment variables. */
export function spawnCli(
  args: string[],
  stdin?: Uint8Array,
  env?: Record<string, string>,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=ccsds-source', mainTs, ...args],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}
