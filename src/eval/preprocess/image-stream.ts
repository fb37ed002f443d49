/**
 * The image source seam of validation: a bounded, ordered stream of letterboxed network inputs. Node serves it
 * from files with sharp in worker threads (prepared-stream.ts); the web page from dropped files decoded by the
 * browser (web/src/edges/decode-image.ts). Both letterbox with the same {@link letterbox}.
 */
import { ImageDecodeError } from './image-errors.js';
import { letterbox, type LetterboxGeometry } from './letterbox.js';
import type { Image8 } from './resize-linear.js';

export type PreparedImage =
  | { ok: true; data: Float32Array; geometry: LetterboxGeometry }
  | { ok: false; reason: string };

/** Decodes one image (by its dataset path) to interleaved RGB bytes; throws with a one-line reason. */
export type ImageDecoder = (path: string) => Promise<Image8>;

export interface ImageStream {
  /** The next image's tensor (or why it could not be read), in the order of the paths. */
  next(): Promise<PreparedImage>;
  /** Hand back a tensor from `next` that is no longer used; its buffer is reused. */
  recycle(data: Float32Array): void;
  /** 'worker' while workers serve the stream; 'main' when preprocessing runs on this thread. */
  readonly mode: 'worker' | 'main';
  /** Why the stream fell back to the main thread, if it did. */
  readonly fallbackReason: string | undefined;
  close(): Promise<void>;
}

/**
 * Decode + letterbox one image on this thread into `buffer` when it has the right size. An image that cannot
 * be decoded ({@link ImageDecodeError}) is `{ ok: false }` (a skipped image); any other error is a bug and rejects.
 */
export async function prepareImage(decode: () => Promise<Image8>, size: number, buffer?: ArrayBuffer): Promise<PreparedImage> {
  let image: Image8;
  try {
    image = await decode();
  } catch (e) {
    if (!(e instanceof ImageDecodeError)) throw e;
    return { ok: false, reason: e.message };
  }
  const floats = 3 * size * size;
  const out = buffer && buffer.byteLength === floats * 4 ? new Float32Array(buffer) : new Float32Array(floats);
  return { ok: true, ...letterbox(image, size, out) };
}

/**
 * An {@link ImageStream} on the calling thread: decodes run `depth` images ahead (a browser's image decoding
 * is asynchronous, so it overlaps with inference), letterbox when the consumer takes the image.
 */
export function openDecoderStream(paths: readonly string[], decode: ImageDecoder, options: { size: number; depth?: number }): ImageStream {
  const depth = Math.max(1, options.depth ?? 4);
  const ahead: Promise<Image8 | Error>[] = [];
  const spare: ArrayBuffer[] = [];
  let posted = 0;
  const fill = (): void => {
    while (ahead.length < depth && posted < paths.length) {
      const p = paths[posted++]!;
      ahead.push(decode(p).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    }
  };
  fill();
  return {
    mode: 'main',
    fallbackReason: undefined,
    async next() {
      const pending = ahead.shift();
      if (!pending) throw new RangeError('image stream: no more images');
      fill();
      const decoded = await pending;
      return prepareImage(async () => { if (decoded instanceof Error) throw decoded; return decoded; }, options.size, spare.pop());
    },
    recycle(data) {
      if (data.byteOffset === 0 && data.byteLength === 3 * options.size * options.size * 4 && spare.length < depth) spare.push(data.buffer as ArrayBuffer);
    },
    async close() { ahead.length = 0; },
  };
}
