/**
 * The CLI commands, loaded lazily: a run imports only the module of the command it runs (so `prunekit inspect`
 * does not pay for onnxruntime, sharp or the evaluation code). Each command lives in its own file and exports a
 * {@link CommandModule}; add one entry here per command, in the order `--help` lists them.
 */
import type { CommandModule } from './context.js';

export const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  inspect: async () => (await import('./inspect.js')).inspectCommand,
  presets: async () => (await import('./presets.js')).presetsCommand,
  prune: async () => (await import('./prune.js')).pruneCommand,
  quantize: async () => (await import('./quantize.js')).quantizeCommand,
  val: async () => (await import('./val.js')).valCommand,
  eval: async () => (await import('./eval.js')).evalCommand,
  bench: async () => (await import('./bench.js')).benchCommand,
  compare: async () => (await import('./compare.js')).compareCommand,
  run: async () => (await import('./run.js')).runCommand,
  sensitivity: async () => (await import('./sensitivity.js')).sensitivityCommand,
  optimize: async () => (await import('./optimize.js')).optimizeCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
};

/** The command modules a run needs: the named one when argv names a known command, none for --version, else all (help). */
export async function loadCommands(argv: readonly string[]): Promise<CommandModule[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  const loader = name === undefined ? undefined : COMMANDS[name];
  if (loader) return [await loader()];
  if (argv.includes('--version') || argv.includes('-V')) return [];
  return Promise.all(Object.values(COMMANDS).map((load) => load()));
}
