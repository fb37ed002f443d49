/**
 * Read a whole input file in one read into an exact-size buffer (fs.readFile reads in 512 kB chunks, one
 * thread-pool round trip each, which is slower for model files of tens of MB), with one set of error messages
 * for every kind of input file (model, checkpoint, config, …).
 */
import { open } from 'node:fs/promises';
import { FileError, errnoCode, fsProblem, isNotFound } from '../core/errors.js';

/** The bytes of `file`; `size` when the caller already has it from a stat. Errors are fs's (with their `code`). */
export async function readWhole(file: string, size?: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const n = size ?? (await fh.stat()).size;
    const buf = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await fh.read(buf, done, n - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  } finally {
    await fh.close();
  }
}

/**
 * The FileError for a failed read of the input file `file` of the given kind: `'F': model file not found`,
 * `'F': is a directory, expected a model file`, or `'F': cannot read the model file (EACCES: …)`.
 * Anything that is not a file-system error is a bug and is rethrown unchanged.
 */
export function inputReadError(file: string, kind: string, e: unknown): FileError {
  if (isNotFound(e)) return new FileError(`'${file}': ${kind} file not found`, file, { cause: e });
  if (errnoCode(e) === 'EISDIR') return new FileError(`'${file}': is a directory, expected a ${kind} file`, file, { cause: e });
  return new FileError(`'${file}': cannot read the ${kind} file (${fsProblem(e)})`, file, { cause: e });
}

/** The bytes of the input file `file` (a `kind` file: 'model', 'checkpoint', …); fs failures as {@link inputReadError}. */
export async function readInputFile(file: string, kind = 'model'): Promise<Uint8Array> {
  try {
    return await readWhole(file);
  } catch (e) {
    throw inputReadError(file, kind, e);
  }
}

/** The bytes of a `.pt` / `.pth` / `.safetensors` file (a 'checkpoint' input file). */
export async function readWeightsFile(file: string): Promise<Uint8Array> {
  return readInputFile(file, 'checkpoint');
}
