import type { Command } from 'commander';
import type { CliIO } from './io.js';

export interface CliContext {
  io: CliIO;
}

/** One CLI command: attaches itself (name, options, action) to the program. */
export interface CommandModule {
  name: string;
  register(program: Command, ctx: CliContext): void;
}
