/** Where CLI commands write, so that tests can run commands in-process as well as spawned. */

/** The sink of a command's output and its exit code. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Set by a command that finished but must exit non-zero (for example: validation failed). */
  exitCode?: number;
}

// A closed pipe on stdout (`ccsds ... | head`) ends the command quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/** Writes to the process's standard streams. */
export const consoleOutput: Output = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** A failure the command reports with a message and a specific exit code. */
export class CliFailure extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliFailure';
    this.exitCode = exitCode;
  }
}
