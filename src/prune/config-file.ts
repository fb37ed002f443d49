/** Reading a prune config file (the I/O edge): YAML or JSON, then validated by {@link presetFromConfig}. */
import { UsageError } from '../core/errors.js';
import { parseYamlText } from '../core/yaml.js';
import { readInputFile } from '../io/onnx/index.js';
import { presetFromConfig } from './config.js';
import type { Preset } from './preset.js';

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

export async function loadPresetConfig(file: string): Promise<Preset> {
  const bytes = await readInputFile(file, 'prune config');
  return presetFromConfig(parseConfigText(new TextDecoder().decode(bytes), file), file);
}
