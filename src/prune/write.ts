/**
 * Writing a value-edited model without materialising it (the I/O edge): the source bytes and the patched weight
 * bytes are streamed to a temp file beside the target, which is then renamed over it (atomic). Peak memory
 * stays at the source plus the patches, instead of also holding a full serialised copy. Models edited
 * structurally (no patches) go through saveOnnx.
 */
import { open, rename, stat, unlink } from 'node:fs/promises';
import { FileError } from '../core/errors.js';
import { saveOnnx, type OnnxModel, type SavedFile } from '../io/onnx/index.js';

export async function writePatchedOnnx(model: OnnxModel, file: string, options: { force?: boolean } = {}): Promise<SavedFile> {
  const source = model.source;
  const patches = model.patches;
  if (!source || !patches) return saveOnnx(model, file, options);
  if (!options.force && (await stat(file).then(() => true, () => false))) {
    throw new FileError(`'${file}' already exists; pass --force to overwrite it`, file);
  }
  const sorted = [...patches.values()].sort((a, b) => a.offset - b.offset);
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      let pos = 0;
      const write = async (bytes: Uint8Array) => {
        let done = 0;
        while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
      };
      for (const p of sorted) {
        if (p.offset > pos) await write(source.subarray(pos, p.offset));
        await write(p.bytes);
        pos = p.offset + p.bytes.length;
      }
      if (pos < source.length) await write(source.subarray(pos));
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof FileError) throw e;
    throw new FileError(`'${file}': cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file, { cause: e });
  }
  return { path: file, bytes: source.length };
}
