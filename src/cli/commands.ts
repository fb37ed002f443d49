/**
 * The list of CLI commands. Each command lives in its own file and exports a {@link CommandModule}.
 * Add one line here per command.
 */
import type { CommandModule } from './context.js';
import { benchCommand } from './bench.js';
import { compareCommand } from './compare.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { pruneCommand } from './prune.js';
import { runCommand } from './run.js';
import { presetsCommand } from './presets.js';
import { valCommand } from './val.js';

export const COMMANDS: readonly CommandModule[] = [
  benchCommand,
  compareCommand,
  demoCommand,
  evalCommand,
  inspectCommand,
  pruneCommand,
  runCommand,
  presetsCommand,
  valCommand,
];
