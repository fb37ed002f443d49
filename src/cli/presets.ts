/** `prunekit presets [NAME]`: the built-in pruning presets with their category tables. */
import { UsageError } from '../core/index.js';
import { DEFAULT_MAX, PRESETS, describeRule, getPreset, type Preset } from '../prune/index.js';
import type { CommandModule } from './context.js';
import { textTable } from './prune-text.js';

// Ratios as given, without trailing zeros: 0.5 → 50%, 0.125 → 12.5%.
const pct = (x: number) => `${+(100 * x).toFixed(2)}%`;

/** The table of one preset: priority, category, ratio, cap, match rules. */
export function presetText(p: Preset): string {
  const rows = p.categories.map((c, i) => [
    String(i + 1), c.name, c.protected ? 'protected' : pct(c.ratio), pct(c.max ?? DEFAULT_MAX), c.rules.map(describeRule).join(' OR '),
  ]);
  rows.push(['-', p.default.name, pct(p.default.ratio), pct(p.default.max ?? DEFAULT_MAX), 'default: layers no category matches']);
  rows.push(['0', 'head', 'protected', '-', "head class (else the yaml's last layer, else the output subgraph)"]);
  const notes = [
    `  head: classes ${p.head.classes.join(', ')}; protected unless --prune-head, then ${pct(p.head.ratio)}`,
    ...p.categories.filter((c) => c.note).map((c) => `  ${c.name}: ${c.note}`),
  ];
  return [`${p.name}: ${p.description}`, textTable(['#', 'category', 'ratio', 'max', 'matches (class anywhere in the chain; first match wins)'], rows, new Set([2, 3])), ...notes].join('\n');
}

export const presetsCommand: CommandModule = {
  name: 'presets',
  register(program, ctx) {
    program
      .command('presets')
      .description('list the built-in pruning presets with their tables')
      .argument('[name]', 'show only this preset')
      .option('--json', 'print the presets as JSON (a starting point for --config)')
      .action((name: string | undefined, flags: { json?: boolean }) => {
        if (name !== undefined && !PRESETS.has(name)) throw new UsageError(`unknown preset '${name}'; built-in presets: ${[...PRESETS.keys()].join(', ')}`, name);
        const list = name !== undefined ? [getPreset(name)] : [...PRESETS.values()];
        if (flags.json) {
          ctx.io.out(JSON.stringify(name !== undefined ? list[0] : list, null, 2));
          return;
        }
        ctx.io.out(list.map(presetText).join('\n\n'));
      });
  },
};
