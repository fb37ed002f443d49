/**
 * The list of CLI commands. Each command lives in its own file and exports a {@link CommandModule}.
 * Add one line here per command.
 */
import type { CommandModule } from './context.js';
import { benchCommand } from './bench.js';
import { evalCommand } from './eval.js';

export const COMMANDS: readonly CommandModule[] = [
  benchCommand,
  evalCommand,
];
