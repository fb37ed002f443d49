import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openPreparedStream, prepareInThread, type PreparedImage, type PreparedStream } from '../../../src/eval/preprocess/prepared-stream.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

/** Take every image of a stream, recycling each tensor after copying it (as validate does after session.run). */
async function drain(stream: PreparedStream, n: number): Promise<PreparedImage[]> {
  const out: PreparedImage[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const r = await stream.next();
      if (r.ok) {
        out.push({ ok: true, data: r.data.slice(), geometry: r.geometry });
        stream.recycle(r.data);
      } else out.push(r);
    }
  } finally {
    await stream.close();
  }
  return out;
}

describeFixtures('openPreparedStream: worker thread vs in-thread preprocessing', () => {
  const dir = fixture('datasets', 'coco8', 'images');
  const images = ['train', 'val'].flatMap((s) => readdirSync(path.join(dir, s)).sort().map((f) => path.join(dir, s, f)));
  // A missing file between real ones: reported in place, order kept. Repeated so that, past the first images
  // (prepared on this thread while the worker starts), the worker prepares most of them.
  const once = [...images.slice(0, 3), path.join(dir, 'missing.jpg'), ...images.slice(3)];
  const paths = [...once, ...once, ...once, ...once];

  it('gives byte-identical tensors and geometry, in order, on coco8 (buffers reused, depth 2)', async () => {
    const worker = openPreparedStream(paths, { size: 640, depth: 2, workers: 1 });
    expect(worker.mode).toBe('worker');
    expect(await worker.workerReady).toBe(true);
    const viaWorker = await drain(worker, paths.length);
    expect(worker.fallbackReason).toBeUndefined();
    expect(worker.byWorker).toBeGreaterThan(0);
    const main = openPreparedStream(paths, { size: 640, depth: 2, workers: 0 });
    expect(main.mode).toBe('main');
    const inThread = await drain(main, paths.length);
    expect(viaWorker).toHaveLength(paths.length);
    for (let i = 0; i < paths.length; i++) {
      const a = viaWorker[i]!, b = inThread[i]!;
      expect(a.ok).toBe(i % once.length !== 3);
      expect(b.ok).toBe(a.ok);
      if (!a.ok || !b.ok) {
        expect(a.ok ? '' : a.reason).toMatch(/cannot decode|missing/);
        continue;
      }
      expect(a.geometry).toEqual(b.geometry);
      expect(a.data.length).toBe(3 * 640 * 640);
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    }
    // Different images give different tensors (the comparison is not vacuous).
    const first = viaWorker[paths.length - 1]!, second = viaWorker[paths.length - 2]!;
    expect(first.ok && second.ok && Buffer.from(first.data.buffer).equals(Buffer.from(second.data.buffer))).toBe(false);
  });

  it('while the worker starts, only the first image is prepared on this thread; the worker takes the rest', async () => {
    const stream = openPreparedStream(images, { size: 320, depth: 4, workers: 1 });
    expect(await stream.workerReady).toBe(true);
    const all = await drain(stream, images.length);
    expect(all.every((r) => r.ok)).toBe(true);
    // Before the change, the first `depth` images (4) ran on this thread while the worker started.
    expect(stream.byWorker).toBe(images.length - 1);
  });

  it('two workers keep the order of the paths', async () => {
    const many = [...images, ...images, ...images, ...images];
    const stream = openPreparedStream(many, { size: 320, depth: 4, workers: 2 });
    expect(await stream.workerReady).toBe(true);
    const two = await drain(stream, many.length);
    expect(stream.byWorker).toBeGreaterThan(0);
    const one = await drain(openPreparedStream(many, { size: 320, depth: 1, workers: 0 }), many.length);
    for (let i = 0; i < many.length; i++) {
      const a = two[i]!, b = one[i]!;
      expect(a.ok && b.ok).toBe(true);
      if (a.ok && b.ok) expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    }
  });
});

describe('prepareInThread: only decode failures become skipped images', () => {
  it('a missing file is { ok: false } naming the decode failure; an error past decoding rejects', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prunekit-prep-'));
    try {
      const png = path.join(dir, 'grey.png');
      await sharp({ create: { width: 20, height: 12, channels: 3, background: { r: 9, g: 99, b: 199 } } }).png().toFile(png);
      const good = await prepareInThread(png, 32);
      expect(good.ok && good.geometry).toMatchObject({ originalWidth: 20, originalHeight: 12 });
      const missing = await prepareInThread(path.join(dir, 'missing.jpg'), 32);
      expect(missing).toEqual({ ok: false, reason: expect.stringMatching(/^cannot decode image \(/) });
      // A non-integer side makes the tensor allocation throw a RangeError: a bug, not an unreadable image.
      await expect(prepareInThread(png, 1.5)).rejects.toThrow(RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
