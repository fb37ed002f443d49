/**
 * The calibration inputs, replayed once per block of layers without decoding the images again: the first
 * pass keeps each feed, as one byte per value when every value is k/255 (letterboxed images: exact, 4× less
 * memory) and as the float32 values otherwise, up to a byte budget; feeds beyond it are read again from the
 * source on later passes.
 */
import type { Tensor } from '../../core/dtype.js';

type Feeds = Readonly<Record<string, Tensor>>;
interface Kept { name: string; dims: readonly number[]; codes?: Uint8Array; values?: Float32Array }

const INV255 = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Byte codes of a float32 tensor whose every value is k/255 (k = 0…255), else undefined. */
function byteCodes(data: Float32Array): Uint8Array | undefined {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const k = Math.round(data[i]! * 255);
    if (!(k >= 0 && k <= 255) || INV255[k] !== data[i]) return undefined;
    out[i] = k;
  }
  return out;
}

export class FeedCache {
  private readonly kept: Kept[][] = [];
  private bytes = 0;
  private complete = false;

  constructor(private readonly source: () => AsyncIterable<Feeds>, private readonly budget = 512 << 20) {}

  /** Bytes held. */
  get size(): number { return this.bytes; }

  /** Forget the kept feeds (a later `feeds()` reads the source again). */
  clear(): void {
    this.kept.length = 0;
    this.bytes = 0;
    this.complete = false;
  }

  private keep(feeds: Feeds): boolean {
    const row: Kept[] = [];
    let add = 0;
    for (const [name, t] of Object.entries(feeds)) {
      if (t.dtype !== 'float32') return false;
      const data = t.data as Float32Array;
      const codes = byteCodes(data);
      row.push(codes ? { name, dims: t.dims, codes } : { name, dims: t.dims, values: Float32Array.from(data) });
      add += codes ? codes.length : data.byteLength;
    }
    if (this.bytes + add > this.budget) return false;
    this.bytes += add;
    this.kept.push(row);
    return true;
  }

  private static restore(row: readonly Kept[]): Feeds {
    const out: Record<string, Tensor> = {};
    for (const k of row) out[k.name] = { dtype: 'float32', dims: k.dims, data: k.values ?? Float32Array.from(k.codes!, (c) => INV255[c]!) };
    return out;
  }

  /** The feeds in order: from memory where kept, else from the source. */
  async *feeds(): AsyncGenerator<Feeds> {
    let index = 0;
    if (this.complete) {
      for (const row of this.kept) { yield FeedCache.restore(row); index++; }
      return;
    }
    let keeping = this.kept.length === 0;
    let full = true;
    for await (const f of this.source()) {
      if (index < this.kept.length) yield FeedCache.restore(this.kept[index]!);
      else {
        if (keeping) keeping = this.keep(f);
        if (!keeping) full = false;
        yield f;
      }
      index++;
    }
    if (full && index === this.kept.length) this.complete = true;
  }
}
