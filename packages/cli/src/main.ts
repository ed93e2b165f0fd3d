/**
 * The `ccsds` command: `ccsds <noun> <verb>`. Every command takes `--json` for machine-readable
 * output and exits non-zero on failure.
 */
import { Command, CommanderError } from 'commander';
import { CcsdsError } from 'ccsds/core';
import { registerPacketCommands } from './packets.js';
import { registerCltuCommands } from './link-cltu.js';
import { registerCfdpCommands } from './cfdp.js';
import { registerFrameCommands } from './frames.js';
import { registerDecodeCommands } from './decode.js';
import { registerBpCommands } from './bp.js';
import { registerLinkChainCommands } from './link-chain.js';
import { registerLinkBudgetCommand } from './link-budget.js';
import { registerWebCommand } from './web.js';
import { registerSimCommands } from './sim.js';
import { CliFailure, type Output, consoleOutput } from './output.js';

/** Builds the command tree. `out` receives everything the commands print. */
export function buildProgram(out: Output): Command {
  const program = new Command('ccsds')
    .description('CCSDS space-ground communication stack: packets, CFDP, frames, coding, bundles')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.stdout(s),
      writeErr: (s) => out.stderr(s),
    });
  registerPacketCommands(program, out);
  registerDecodeCommands(program.commands.find((c) => c.name() === 'packets')!, out);
  registerCfdpCommands(program, out);
  const link = program
    .command('link')
    .description('synchronisation and channel coding (CCSDS 131.0-B-4, 231.0-B-4)');
  registerCltuCommands(link, out);
  registerLinkChainCommands(link, out);
  registerLinkBudgetCommand(link, out);
  registerFrameCommands(program, out);
  registerBpCommands(program, out);
  registerWebCommand(program, out);
  registerSimCommands(program, out);
  return program;
}

/**
 * Runs the command line `argv` (without the node and script names) and returns the exit code.
 * Errors become one line on stderr (or a JSON object with `--json`) and a non-zero code.
 */
export async function main(argv: string[], out: Output = consoleOutput): Promise<number> {
  const program = buildProgram(out);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return out.exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    const code = e instanceof CliFailure ? e.exitCode : 1;
    const message = e instanceof Error ? e.message : String(e);
    const errCode = e instanceof CcsdsError ? e.code : e instanceof CliFailure ? 'FAILED' : 'ERROR';
    if (json) out.stdout(JSON.stringify({ error: { code: errCode, message } }) + '\n');
    else out.stderr(`ccsds: ${message}\n`);
    return code;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  process.exitCode = await main(process.argv.slice(2));
}
