/** What every image decoder (sharp in Node, the browser's in the page) refuses, and how it says so. */

/** Ultralytics rejects images with a side under 10 px. */
export const MIN_IMAGE_SIDE = 10;

/** An image that cannot be decoded; the message is a one-line reason. */
export class ImageDecodeError extends Error {}
