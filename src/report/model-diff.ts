/**
 * Size figures of a model and the "only zeroed weights?" test between two models. Pure over parsed models.
 */
import type { Tensor } from '../core/index.js';
import type { WeightLayer } from '../graph/index.js';
import { readTensor, tensorRefs, type OnnxModel } from '../io/onnx/bytes.js';
import type { LayerReconstructionNote, SizeValues, SparsityLayer } from './types.js';

/** Size of a model from its layer inventory; MACs only when every layer knows its own. */
export function sizeOf(fileBytes: number, layers: readonly WeightLayer[], extra: Pick<SizeValues, 'gzipBytes' | 'precision'> = {}): SizeValues {
  let params = 0, nonZero = 0, macs = 0, macsKnown = layers.length > 0;
  for (const l of layers) {
    params += l.params;
    nonZero += l.nonZero;
    if (l.macs === undefined) macsKnown = false;
    else macs += l.macs;
  }
  return { fileBytes, gzipBytes: extra.gzipBytes ?? null, precision: extra.precision ?? null, params, nonZeroParams: nonZero, macs: macsKnown ? macs : null };
}

function zeroOrEqual(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.data.length !== b.data.length) return false;
  const x = a.data;
  const y = b.data;
  if (x instanceof BigInt64Array && y instanceof BigInt64Array) {
    for (let i = 0; i < x.length; i++) if (y[i] !== x[i] && y[i] !== 0n) return false;
    return true;
  }
  if (x instanceof BigInt64Array || y instanceof BigInt64Array) return false;
  const half = a.dtype === 'float16' || a.dtype === 'bfloat16';
  for (let i = 0; i < x.length; i++) {
    const v = y[i]!;
    if (v !== x[i] && (half ? (v & 0x7fff) !== 0 : v !== 0)) return false;
  }
  return true;
}

/**
 * True when `candidate` has the same graph (node op types in order), the same tensors (names, dtypes, dims)
 * as `base`, and every tensor element is either unchanged or zero in the candidate — i.e. unstructured pruning,
 * which dense kernels do not turn into speed.
 */
export function differsOnlyByZeros(base: OnnxModel, candidate: OnnxModel): boolean {
  const gb = base.proto.graph!;
  const gc = candidate.proto.graph!;
  if (gb.node.length !== gc.node.length) return false;
  for (let i = 0; i < gb.node.length; i++) if (gb.node[i]!.opType !== gc.node[i]!.opType) return false;
  const rb = tensorRefs(base);
  const rc = tensorRefs(candidate);
  if (rb.size !== rc.size) return false;
  for (const [name, ref] of rb) {
    const other = rc.get(name);
    if (!other) return false;
    const tb = readTensor(ref.proto, base.external);
    const tc = readTensor(other.proto, candidate.external);
    if (tb.dims.length !== tc.dims.length || tb.dims.some((d, k) => d !== tc.dims[k])) return false;
    if (!zeroOrEqual(tb, tc)) return false;
  }
  return true;
}

/** Op-kind grouping used when no pruning plan names the categories. */
export function opKind(l: WeightLayer): string {
  if (l.opType === 'Conv' || l.opType === 'ConvTranspose') {
    if (l.depthwise) return `${l.opType} depthwise`;
    const k = l.dims.slice(2);
    return k.length && k.every((d) => d === 1) ? `${l.opType} 1×1` : `${l.opType} ${k.join('×')}`;
  }
  return l.opType;
}

/**
 * Per-layer sparsity rows, matching candidate layers to base layers by weight name. `categoryOf` gives the
 * group (the pruning plan's category); layers it does not know fall back to {@link opKind}.
 */
export function sparsityLayers(
  base: readonly WeightLayer[],
  candidate: readonly WeightLayer[],
  categoryOf: (id: string) => string | undefined = () => undefined,
  reconstructionOf: (id: string) => LayerReconstructionNote | undefined = () => undefined,
): SparsityLayer[] {
  const byId = new Map(base.map((l) => [l.id, l]));
  return candidate.map((l) => {
    const b = byId.get(l.id);
    return withReconstruction(reconstructionOf(l.id), {
      id: l.id,
      modulePath: l.modulePath,
      category: categoryOf(l.id) ?? opKind(l),
      params: l.params,
      baseNonZero: b?.params === l.params ? b.nonZero : l.params,
      candidateNonZero: l.nonZero,
      baseDims: [...(b?.dims ?? l.dims)],
      candidateDims: [...l.dims],
      baseMacs: b ? (b.macs ?? null) : null,
      candidateMacs: l.macs ?? null,
    });
  });
}

/** True when some layer's weight changed shape: channels were removed (structured), so sparsity says nothing. */
export function channelsChanged(layers: readonly SparsityLayer[]): boolean {
  return layers.some((l) => l.baseDims !== undefined && l.candidateDims !== undefined
    && (l.baseDims.length !== l.candidateDims.length || l.baseDims.some((d, i) => d !== l.candidateDims![i])));
}

/** Output and input channels of a weight shape (`[out, in/groups, …]`; Gemm/MatMul weights as stored). */
export function channelsOf(dims: readonly number[]): { out: number; in: number } {
  return { out: dims[0] ?? 0, in: dims[1] ?? 0 };
}

function withReconstruction(note: LayerReconstructionNote | undefined, row: SparsityLayer): SparsityLayer {
  return note ? { ...row, reconstruction: { method: note.method, errorBefore: note.errorBefore, errorAfter: note.errorAfter } } : row;
}
