/** Prune config text: YAML or JSON, then validated by prune/config's presetFromConfig (the file is read by files/preset-config-file). */
import { UsageError } from '../core/errors.js';
import { parseYamlText } from '../core/yaml.js';

/** Parse config text (JSON is YAML too, but JSON files get JSON's error messages). */
export function parseConfigText(text: string, file: string): unknown {
  if (!/\.json$/i.test(file)) return parseYamlText(text, file, UsageError, 'malformed config');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new UsageError(`${file}: malformed config (${e.message})`, file, { cause: e });
  }
}
