/** Reading a prune config file (the Node file edge): YAML or JSON, parsed by prune/config-file's {@link parseConfigText}. */
import { parseConfigText } from '../prune/config-file.js';
import { presetFromConfig } from '../prune/config.js';
import type { Preset } from '../prune/preset.js';
import { readInputFile } from './onnx-file.js';

export async function loadPresetConfig(file: string): Promise<Preset> {
  const bytes = await readInputFile(file, 'prune config');
  return presetFromConfig(parseConfigText(new TextDecoder().decode(bytes), file), file);
}
