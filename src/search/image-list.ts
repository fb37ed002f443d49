/** A dataset yaml naming exactly some images (a list file beside it), so `val`/`prune --calib` read only those. */
import { stringify } from 'yaml';
import { writeFileAtomic } from '../files/atomic-write.js';

export async function writeImageListYaml(yamlPath: string, images: readonly string[], names: readonly string[], options: { force?: boolean } = {}): Promise<string> {
  const list = yamlPath.replace(/\.ya?ml$/i, '') + '.txt';
  await writeFileAtomic(list, images.join('\n') + '\n', options);
  await writeFileAtomic(yamlPath, stringify({ val: list, names: Object.fromEntries(names.map((n, i) => [i, n])) }), options);
  return yamlPath;
}
