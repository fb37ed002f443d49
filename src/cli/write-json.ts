import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from '../core/errors.js';

/**
 * Write `value` as JSON to `file`, creating its folder (the `--json FILE` of every command); pretty unless
 * `compact` (large arrays such as saved predictions).
 */
export async function writeJson(file: string, value: unknown, options: { compact?: boolean } = {}): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, (options.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n');
  } catch (e) {
    throw new FileError(`'${file}': cannot write JSON (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file, { cause: e });
  }
}
