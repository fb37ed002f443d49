/** The page's file-size limit: the boundary and the message a user sees for a file too large for the browser. */
import { describe, expect, it } from 'vitest';
import { fileTooLarge, MAX_MODEL_BYTES } from '../../web/src/limits.js';

describe('fileTooLarge', () => {
  it('accepts a file of exactly the limit and refuses one byte more', () => {
    expect(MAX_MODEL_BYTES).toBe(2147483647);
    expect(fileTooLarge('m.onnx', MAX_MODEL_BYTES)).toBeUndefined();
    expect(fileTooLarge('m.onnx', 0)).toBeUndefined();
    expect(fileTooLarge('m.onnx', MAX_MODEL_BYTES + 1)).toBeInstanceOf(Error);
  });

  it('is a UsageError naming the file, its size and the way out', () => {
    const e = fileTooLarge('big.pt', 3 * 2 ** 30, 2 ** 31 - 1);
    expect(e?.name).toBe('UsageError');
    expect(e?.message).toMatch(/^big\.pt: 3(\.0+)? GiB is over the browser's 2 GB limit for one file; use the CLI \(prunekit\) for this model$/);
  });

  it('honours a smaller limit at its boundary', () => {
    expect(fileTooLarge('a.onnx', 100, 100)).toBeUndefined();
    expect(fileTooLarge('a.onnx', 101, 100)?.message).toMatch(/^a\.onnx: /);
  });
});
