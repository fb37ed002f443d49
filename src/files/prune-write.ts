/**
 * Writing value-edited models without materialising them (the I/O edge). The source bytes and the replaced
 * weight bytes are streamed through files/atomic-write (temp file beside the target, then renamed); no
 * existing file is replaced without `force`. Replacements may be produced lazily (a generator), so a prune
 * holds the source plus one layer at a time, never a second copy of the model.
 */
import { writeFileAtomic } from './atomic-write.js';
import { metadataEntryBytes, type OnnxModel } from '../io/onnx/index.js';
import { saveOnnx, type SavedFile } from './onnx-file.js';
import type { Replacement } from '../prune/prune-stream.js';

export { rawDataOffset, type Replacement } from '../prune/prune-stream.js';

/**
 * Write `source` with replacements (ascending, non-overlapping offsets) to `file`, atomically. The
 * replacements are consumed one at a time.
 */
export async function writeReplaced(
  source: Uint8Array, file: string, replacements: Iterable<Replacement>, options: { force?: boolean; trailer?: () => Uint8Array | undefined } = {},
): Promise<SavedFile> {
  const bytes = await writeFileAtomic(file, async (write) => {
    let pos = 0;
    for (const r of replacements) {
      if (r.offset < pos || r.offset + r.bytes.length > source.length) throw new Error(`writeReplaced: replacement at ${r.offset} out of order or range (bug)`);
      if (r.offset > pos) await write(source.subarray(pos, r.offset));
      await write(r.bytes);
      pos = r.offset + r.bytes.length;
    }
    if (pos < source.length) await write(source.subarray(pos));
    const tail = options.trailer?.();
    if (tail) await write(tail);
  }, options);
  return { path: file, bytes };
}

/** Write a model whose edits are value patches by streaming (else through saveOnnx). */
export async function writePatchedOnnx(model: OnnxModel, file: string, options: { force?: boolean; metadata?: Array<{ key: string; value: string }> } = {}): Promise<SavedFile> {
  if (!model.source || !model.patches) return saveOnnx(model, file, options);
  const sorted = [...model.patches.values()].sort((a, b) => a.offset - b.offset);
  const tail = options.metadata?.map((m) => metadataEntryBytes(m.key, m.value));
  return writeReplaced(model.source, file, sorted, { force: options.force, trailer: tail?.length ? () => concat(tail) : undefined });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
