/**
 * CLI entry: parses arguments, runs a command, maps errors to one line and an exit code.
 * Exit codes: 0 ok; 1 a check failed (e.g. accuracy budget broken); 2 usage or input error (any typed
 * PrunekitError); 70 an internal error (a bug: rerun with --debug for the stack).
 */
import { Command, CommanderError } from 'commander';
import { isPrunekitError, errorMessage } from '../core/errors.js';
import { PRUNEKIT_VERSION } from '../core/provenance.js';
import { loadCommands } from './commands.js';
import type { CommandModule } from './context.js';
import { ExitCode, processIO, type CliIO } from './io.js';

export const VERSION = PRUNEKIT_VERSION;

export function buildProgram(io: CliIO, commands: readonly CommandModule[]): Command {
  const program = new Command('prunekit')
    .description('Compress YOLO-family detectors module-aware, and prove what it cost.')
    .version(VERSION)
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  for (const c of commands) c.register(program, { io });
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  return program;
}

/** Run the CLI with `argv` (without node and script). Resolves to the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = buildProgram(io, await loadCommands(argv));
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return 2;
    }
    if (isPrunekitError(e)) {
      io.err(`error: ${e.message}`);
      if (debug && e.stack) io.err(e.stack);
      return 2;
    }
    const msg = errorMessage(e);
    io.err(`internal error: ${msg}${debug ? '' : ' (rerun with --debug for details)'}`);
    if (debug && e instanceof Error && e.stack) io.err(e.stack);
    return 70;
  }
}
