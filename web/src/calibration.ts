/**
 * Calibration inputs for structured pruning in the page: the first N dropped images (sorted by path), decoded
 * by the browser and letterboxed by the core's letterbox — what `--calib` does with a folder in the CLI.
 */
import { DatasetError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/dtype.js';
import { isImageFile } from '../../src/eval/dataset/image-names.js';
import type { ModelInfo } from '../../src/eval/model-info.js';
import { letterbox } from '../../src/eval/preprocess/letterbox.js';
import type { CalibrationSource } from '../../src/prune/structured/calibrate.js';
import { decodeBlobRgb } from './edges/decode-image.js';
import type { DroppedFile } from './protocol.js';

export async function calibrationFromImages(files: readonly DroppedFile[], count: number, info: ModelInfo): Promise<CalibrationSource> {
  const images = files.filter((f) => isImageFile(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).slice(0, count);
  if (images.length === 0) throw new DatasetError('calibration needs images: drop a folder of images first (the dataset panel)', 'calibration');
  const size = info.inputSize ?? 640;
  return {
    count: images.length,
    description: `${images.length} dropped images`,
    async *feeds(): AsyncIterable<Readonly<Record<string, Tensor>>> {
      for (const f of images) {
        const { data } = letterbox(await decodeBlobRgb(f.file), size);
        yield { [info.inputName]: { dtype: 'float32', dims: [1, 3, size, size], data } };
      }
    },
  };
}
