/** Which file names are images, as Ultralytics decides (by extension). */

/** Extensions Ultralytics accepts as images (decoding support is sharp's: bmp/dng/mpo/pfm/heic may be skipped). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm', 'heic']);

export function isImageFile(file: string): boolean {
  const dot = file.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(file.slice(dot + 1).toLowerCase());
}
