/**
 * The baseline of the val benchmarks: LeYOLONano-640 over coco128's val images, letterboxed once beforehand,
 * and a bare `session.run` loop over those tensors (no decoding, NMS or metrics).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openYoloDataset } from '../../src/eval/dataset/index.js';
import { decodeImageRgb, letterbox } from '../../src/eval/preprocess/index.js';
import { createSession, type SessionOptions } from '../../src/runtime/index.js';
import { FIXTURES } from '../../test/helpers/fixtures-path.js';

export const MODEL = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
export const DATA = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** coco128's val images, decoded and letterboxed to 640 (float32 CHW). */
export async function preparedTensors(): Promise<Float32Array[]> {
  const ds = await openYoloDataset(DATA, 'val');
  const tensors: Float32Array[] = [];
  for (const im of ds.images) tensors.push(letterbox(await decodeImageRgb(im.path), 640).data);
  return tensors;
}

/** Wall ms of one `session.run` per tensor (after one untimed run), session creation not included. */
export async function bareLoopMs(tensors: readonly Float32Array[], options: SessionOptions): Promise<number> {
  const session = await createSession(MODEL, options);
  await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data: tensors[0]! } });
  const t0 = performance.now();
  for (const data of tensors) await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
  const ms = performance.now() - t0;
  await session.release();
  return ms;
}
