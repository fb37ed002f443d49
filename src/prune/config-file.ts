/** Reading a prune config file (the I/O edge): YAML or JSON, then validated by {@link presetFromConfig}. */
import { parse } from 'yaml';
import { UsageError, errorMessage } from '../core/errors.js';
import { readInputFile } from '../io/onnx/index.js';
import { presetFromConfig } from './config.js';
import type { Preset } from './preset.js';

/** Parse config text (JSON is YAML too, but JSON files get JSON's error messages). */
export function parseConfigText(text: string, file: string): unknown {
  try {
    return /\.json$/i.test(file) ? JSON.parse(text) : parse(text);
  } catch (e) {
    const why = errorMessage(e, { firstLine: true });
    throw new UsageError(`${file}: malformed config (${why})`, file, { cause: e });
  }
}

export async function loadPresetConfig(file: string): Promise<Preset> {
  const bytes = await readInputFile(file, 'prune config');
  return presetFromConfig(parseConfigText(new TextDecoder().decode(bytes), file), file);
}
