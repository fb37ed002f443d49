/**
 * Read a whole file in one read into an exact-size buffer: fs.readFile reads in 512 kB chunks, one thread-pool
 * round trip each, which is slower for model files (tens of MB).
 */
import { open } from 'node:fs/promises';
import { FileError } from '../core/errors.js';

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

/** The bytes of a `.pt` / `.pth` / `.safetensors` file; FileError `cannot read FILE: CODE` when fs fails. */
export async function readWeightsFile(file: string): Promise<Uint8Array> {
  try {
    return await readWhole(file);
  } catch (e) {
    throw new FileError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file, { cause: e });
  }
}
