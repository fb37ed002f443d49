/**
 * The activations handed from one calibration pass to the next (boundaries.ts): pass b reads, per image, the
 * tensors live at c_{b−1} (pass 0: the calibration feeds), runs only the segment of the network from there to
 * block b's statistics, and keeps the tensors live at c_b for pass b+1 — computed with every earlier block
 * already refit, so the statistics stay sequential. With upstream correction the original network's values of
 * the same tensors are carried too (`<name>__pkref`); when the previous pass ran without the reference (nothing
 * was changed yet) the current values are the original ones and stand in for them.
 *
 * Memory: two boundaries' tensors for every image. They are kept as float32 when the estimate (static shapes)
 * fits `budget`, else as float16 (cast inside the graph; relative rounding 2⁻¹¹ on the cached activations only).
 */
import { BYTES_PER_ELEMENT, numel, type Tensor } from '../../core/dtype.js';
import { DTYPE_ONNX, ONNX_DTYPE } from '../../io/onnx/bytes.js';
import type { GraphIndex, ShapeInfo } from '../../graph/index.js';
import { REFERENCE_SUFFIX, type HessianRunOptions, type SegmentInput } from '../../runtime/index.js';
import { boundaryTensors, type BoundaryLayer } from './boundaries.js';

type Values = Record<string, Tensor>;
type Feeds = AsyncIterable<Readonly<Record<string, Tensor>>>;

/** Estimated float32 bytes per image of each boundary (undefined when a shape is unknown). */
function boundaryBytes(info: ShapeInfo | undefined, cuts: readonly string[][]): number[] | undefined {
  if (!info) return undefined;
  const out: number[] = [];
  for (const cut of cuts) {
    let bytes = 0;
    for (const v of cut) {
      const s = info.shapes.get(v);
      if (!s || s.some((d) => typeof d !== 'number')) return undefined;
      const dtype = ONNX_DTYPE[info.types.get(v) ?? DTYPE_ONNX.float32];
      bytes += numel(s as number[]) * (dtype ? BYTES_PER_ELEMENT[dtype] : 8);
    }
    out.push(bytes);
  }
  return out;
}

/** The first item of `src` and an iterable over all of it (the first included). */
async function peek<T>(src: AsyncIterable<T>): Promise<{ first: T | undefined; feeds: AsyncIterable<T> }> {
  const it = src[Symbol.asyncIterator]();
  const head = await it.next();
  async function* all(): AsyncGenerator<T> {
    if (head.done) return;
    yield head.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  }
  return { first: head.done ? undefined : head.value, feeds: all() };
}

export interface BlockPassOptions {
  images: number;
  /** Bytes the cached boundaries may take before float16 is used (default 1 GiB). */
  budget?: number;
  /** Force float16 (true) or float32 (false) caching; default by budget. */
  half?: boolean;
  /** Carry the original network's values too (upstream correction). */
  reference: boolean;
}

export class BlockPasses {
  readonly cuts: string[][];
  /** Whether float32 boundary tensors are cached as float16. */
  readonly half: boolean;
  private readonly floats: Set<string>;
  private previous: Values[] = [];
  private next: Values[] = [];
  private previousRef = false;
  /** Peak bytes held by the cached boundaries. */
  peakBytes = 0;

  /** `shapes`: the model's inferred shapes and types (undefined when unknown: float16 then, and nothing crosses as float16). */
  constructor(shapes: ShapeInfo | undefined, private readonly g: GraphIndex, blocks: ReadonlyArray<readonly BoundaryLayer[]>, options: BlockPassOptions) {
    this.cuts = boundaryTensors(g, blocks);
    const bytes = boundaryBytes(shapes, this.cuts);
    const sides = options.reference ? 2 : 1;
    const need = bytes ? Math.max(0, ...bytes.map((b, i) => b + (bytes[i + 1] ?? 0))) * sides * options.images : Infinity;
    this.half = options.half ?? need > (options.budget ?? 1 << 30);
    const types = shapes?.types ?? new Map<string, number>();
    this.floats = new Set(this.cuts.flat().filter((v) => types.get(v) === DTYPE_ONNX.float32));
  }

  private ref(v: string): string | undefined { return this.g.producer.has(v) ? `${v}${REFERENCE_SUFFIX}` : undefined; }

  /**
   * What pass `b` runs: the segment (given: pass b−1's kept tensors; keep: the tensors live at c_b), its feeds
   * and the callback that stores the kept values. `source` supplies the graph inputs (used by pass 0 only; when
   * it yields nothing, undefined).
   */
  async pass(b: number, reference: boolean, source: () => Feeds): Promise<{ options: Pick<HessianRunOptions, 'segment' | 'onKept'>; feeds: Feeds } | undefined> {
    const base = (v: string) => (v.endsWith(REFERENCE_SUFFIX) ? v.slice(0, -REFERENCE_SUFFIX.length) : v);
    const wanted = [...this.cuts[b]!];
    if (reference) for (const v of this.cuts[b]!) { const r = this.ref(v); if (r) wanted.push(r); }
    let input: Feeds, sample: Readonly<Record<string, Tensor>>;
    const stand = b > 0 && reference && !this.previousRef;
    if (b === 0) {
      const p = await peek(source());
      if (!p.first) return undefined; // no image: the caller's plain run reports it
      sample = p.first;
      input = p.feeds;
    } else {
      const previous = this.previous, ref = (v: string) => this.ref(v);
      sample = previous[0] ?? {};
      input = (async function* () {
        for (const values of previous) {
          const out: Values = { ...values };
          // The previous pass ran without the reference network: nothing was changed then, so its values are the original ones.
          if (stand) for (const v of Object.keys(values)) { const r = ref(v); if (r) out[r] = values[v]!; }
          yield out;
        }
      })();
    }
    const available = new Set(Object.keys(sample));
    if (stand) for (const v of Object.keys(sample)) { const r = this.ref(v); if (r) available.add(r); }
    const valueOf = (v: string) => sample[v] ?? sample[base(v)]!;
    const given: SegmentInput[] = [...available].map((name) => {
      const t = valueOf(name);
      return { name, dtype: t.dtype === 'float16' && this.floats.has(base(name)) ? 'float32' : t.dtype, dims: t.dims };
    });
    // Tensors live at both boundaries are passed on as they are; the others come out of the segment.
    const carried = wanted.filter((v) => available.has(v));
    const keep = wanted.filter((v) => !available.has(v));
    const half = new Set([
      ...given.filter((g) => valueOf(g.name).dtype === 'float16' && g.dtype === 'float32').map((g) => g.name),
      ...(this.half ? keep.filter((v) => this.floats.has(base(v))) : []),
    ]);
    this.next = [];
    const pending: Values[] = [];
    const feeds = (async function* () {
      let i = 0;
      for await (const values of input) {
        pending[i++] = Object.fromEntries(carried.map((v) => [v, values[v]!]));
        yield values;
      }
    })();
    const onKept = (kept: Record<string, Tensor>, index: number) => {
      this.next[index] = { ...pending[index], ...kept };
      pending[index] = {};
    };
    return { options: { segment: { given, keep, half }, onKept }, feeds };
  }

  /** After pass `b`: its kept tensors become the next pass's inputs; the older ones are dropped. */
  advance(reference: boolean): void {
    const bytes = (vs: Values[]) => vs.reduce((a, v) => a + Object.values(v).reduce((s, t) => s + t.data.byteLength, 0), 0);
    this.peakBytes = Math.max(this.peakBytes, bytes(this.previous) + bytes(this.next));
    this.previous = this.next;
    this.previousRef = reference;
    this.next = [];
  }
}
