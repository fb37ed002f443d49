/** The calibration feed cache: replays kept feeds (k/255 values as bytes, exactly), and after clear() reads the source again. */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { FeedCache } from '../../../src/prune/recon/feed-cache.js';

describe('FeedCache', () => {
  it('replays from memory after one full pass, holds k/255 images as one byte per value, and forgets on clear()', async () => {
    let reads = 0;
    const images = [0, 1].map((i) => Float32Array.from({ length: 12 }, (_, k) => ((k * 7 + i * 3) % 256) / 255));
    const source = async function* (): AsyncGenerator<Record<string, Tensor>> { reads++; for (const data of images) yield { images: { dtype: 'float32', dims: [1, 3, 2, 2], data } }; };
    const cache = new FeedCache(source);
    const all = async () => { const out: number[][] = []; for await (const f of cache.feeds()) out.push(Array.from(f.images!.data as Float32Array)); return out; };
    expect(await all()).toEqual(images.map((d) => Array.from(d)));
    expect(cache.size).toBe(24);
    expect(await all()).toEqual(images.map((d) => Array.from(d)));
    expect(reads).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(await all()).toEqual(images.map((d) => Array.from(d)));
    expect(reads).toBe(2);
  });
});
