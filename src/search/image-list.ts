/** A dataset yaml naming exactly some images (a list file beside it), so `val`/`prune --calib` read only those. */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export async function writeImageListYaml(yamlPath: string, images: readonly string[], names: readonly string[]): Promise<string> {
  const list = yamlPath.replace(/\.ya?ml$/i, '') + '.txt';
  await writeFile(list, images.join('\n') + '\n');
  await writeFile(yamlPath, stringify({ val: list, names: Object.fromEntries(names.map((n, i) => [i, n])) }));
  return yamlPath;
}
