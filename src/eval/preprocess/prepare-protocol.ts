/** Messages between the preprocessing stream (main thread) and preprocess-worker.ts. */
import type { LetterboxGeometry } from './letterbox.js';

export interface PrepareJob {
  /** Position in the stream; replies carry it back. */
  seq: number;
  /** Image file to decode. */
  path: string;
  /** Square network input side, px. */
  size: number;
  /** A tensor buffer (3·size² floats) the main thread is done with, for reuse. */
  recycle?: ArrayBuffer;
}

export type PrepareReply =
  | { seq: number; ok: true; data: Float32Array; geometry: LetterboxGeometry }
  /** `skip`: the image cannot be decoded (a skipped image); otherwise an unexpected error that fails the job. */
  | { seq: number; ok: false; reason: string; skip: boolean };

export type { WorkerReady } from '../worker-pool.js';
