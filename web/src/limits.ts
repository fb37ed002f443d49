/** What the page can hold: one browser ArrayBuffer (and onnxruntime-web's 32-bit wasm heap) per model file. */
import { formatBytes } from '../../src/core/format.js';

/** Largest model file, bytes: 2^31 − 1 (one ArrayBuffer; onnxruntime-web's 32-bit wasm heap). */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** The typed error for a file too large for the page, or undefined when `sizeBytes` ≤ `limitBytes`. */
export function fileTooLarge(name: string, sizeBytes: number, limitBytes: number = MAX_MODEL_BYTES): Error | undefined {
  if (sizeBytes <= limitBytes) return undefined;
  return Object.assign(new Error(`${name}: ${formatBytes(sizeBytes)} is over the browser's 2 GB limit for one file; use the CLI (prunekit) for this model`), { name: 'UsageError' });
}
