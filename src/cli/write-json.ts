import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from '../core/errors.js';

/** Write `value` as pretty JSON to `file`, creating its folder (the `--json FILE` of every command). */
export async function writeJson(file: string, value: unknown): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, JSON.stringify(value, null, 2) + '\n');
  } catch (e) {
    throw new FileError(`'${file}': cannot write JSON (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file, { cause: e });
  }
}
