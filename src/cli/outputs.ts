/**
 * Output files of the CLI commands. Every command follows one rule (docs/cli.md, "Paths and overwriting"):
 * 1. before any work, `checkOutputs([...])` checks every path it will write (parents can be created, an existing
 *    file needs --force, a folder is not a file, an output is not an input);
 * 2. it writes each file with `writeJson` / `writeText` (or the library's model writers), which create missing
 *    parent folders and replace the target atomically.
 * `target('--json', flags.json)` builds the entries of step 1 (undefined when the flag is absent).
 */
import { checkOutputs, type OutputTarget } from '../files/output-path.js';
import { writeFileAtomic } from '../files/atomic-write.js';

export { checkOutputs, type OutputTarget };

/** An output entry for {@link checkOutputs}; undefined when the flag was not given. */
export function target(flag: string, file: string | undefined, kind: OutputTarget['kind'] = 'file'): OutputTarget | undefined {
  return file === undefined ? undefined : { flag, path: file, kind };
}

export interface WriteOptions {
  /** Replace an existing file (the command's --force). */
  force?: boolean;
}

/** Write `text` to `file` (parents created, atomic, no overwrite without force). */
export async function writeText(file: string, text: string, options: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(file, text, options);
}

/** Write `value` as JSON (pretty unless `compact`, for large arrays such as saved predictions). */
export async function writeJson(file: string, value: unknown, options: WriteOptions & { compact?: boolean } = {}): Promise<void> {
  await writeText(file, (options.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n', options);
}
