/** Build small YOLO datasets in temp dirs for dataset and pipeline tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/** A solid-colour JPEG of the given size. */
export async function jpeg(width: number, height: number, colour = { r: 90, g: 140, b: 200 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();
}

export interface TinyImage { name: string; labels?: string; bytes?: Buffer }

/** Write `root/images/<split>/<name>` and `root/labels/<split>/<stem>.txt` (when labels is given). */
export async function writeSplit(root: string, split: string, images: readonly TinyImage[]): Promise<void> {
  await mkdir(path.join(root, 'images', split), { recursive: true });
  await mkdir(path.join(root, 'labels', split), { recursive: true });
  for (const im of images) {
    await writeFile(path.join(root, 'images', split, im.name), im.bytes ?? (await jpeg(64, 48)));
    if (im.labels !== undefined) await writeFile(path.join(root, 'labels', split, im.name.replace(/\.[^.]+$/, '.txt')), im.labels);
  }
}
