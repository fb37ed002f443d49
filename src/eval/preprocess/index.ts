export { resizeBilinearCv } from './resize-linear.js';
export type { Image8 } from './resize-linear.js';
export { letterbox, letterboxGeometry, scaleBoxesToOriginal, labelsToOriginal, PAD_VALUE } from './letterbox.js';
export type { LetterboxGeometry } from './letterbox.js';
export { flipWidth, padCentred } from './augment.js';
export { decodeImageRgb, ImageDecodeError, MIN_IMAGE_SIDE } from './decode-image.js';
export { openPreparedStream, prepareInThread, type PreparedImage, type PreparedStream, type PreparedStreamOptions } from './prepared-stream.js';
export { openDecoderStream, prepareImage, type ImageDecoder, type ImageStream } from './image-stream.js';
