/** Messages between the page (main.ts) and its Web Worker (worker.ts). */
import type { InspectReport } from '../../src/graph/summary.js';
import type { ComparisonReport } from '../../src/report/types.js';
import type { WeightsSummary } from './weights.js';

export interface LayerRow {
  modulePath: string; classChain: string; category: string; opType: string; dims: number[];
  params: number; nonZero: number; macs: number | null;
}

export interface ModelView {
  name: string; bytes: number; report: InspectReport; rows: LayerRow[];
}

export interface PruneSettings {
  mode: 'unstructured' | 'structured' | 'int8';
  preset: string;
  /** Unstructured: sparsity over prunable weights; structured: fraction of params removed. Undefined: the preset's ratios. */
  target?: number;
  /** Structured: one ratio per channel group (overrides preset and target). */
  ratio?: number;
  /** Structured / INT8: calibration images (the first N of the dropped images, sorted by path). */
  calibImages?: number;
}

export type TwinSlot = 'base' | 'candidate';

export interface DroppedFile { path: string; file: File }

export type Request =
  | { id: number; kind: 'init'; wasmBase: string; threads: number }
  | { id: number; kind: 'inspect'; name: string; file: File }
  /** The ONNX export ("twin") of the dropped checkpoint (`base`) or of the compressed one (`candidate`), for val and bench. */
  | { id: number; kind: 'twin'; slot: TwinSlot; name: string; file: File }
  | { id: number; kind: 'prune'; settings: PruneSettings; images: DroppedFile[] }
  | { id: number; kind: 'val'; files: DroppedFile[] }
  | { id: number; kind: 'bench'; runs: number }
  | { id: number; kind: 'report' };

export interface PruneSummary {
  name: string; bytes: number; policy: string;
  params: { before: number; after: number }; macs: { before: number; after: number } | null;
  sparsity: { before: number; after: number } | null; seconds: number;
  int8?: { layers: number; float: number; method: string; images: number };
  json: unknown;
  /** The layer table after the cut. */
  afterRows: LayerRow[];
  /** A compressed checkpoint: which model object was pruned (`ema` / `model`) and how. */
  checkpointNote?: string;
}

export interface ValSummary {
  images: number; instances: number; warnings: string[]; skipped: number;
  base: ValMetrics; candidate: ValMetrics | null; seconds: number; imagesPerSecond: number;
  /** Per image of the original model's run, ms. */
  speed: { preprocessMs: number; inferenceMs: number; postprocessMs: number };
}
export interface ValMetrics { precision: number; recall: number; map50: number; map5095: number; perClass: { name: string; images: number; instances: number; map50: number; map5095: number }[] }

export interface BenchSummary { threads: number; base: { medianMs: number; p90Ms: number }; candidate: { medianMs: number; p90Ms: number } | null; ratio: number | null; verdict: string | null }

export type Reply =
  | { id: number; kind: 'progress'; stage: string; done: number; total: number }
  | { id: number; kind: 'error'; name: string; message: string }
  | { id: number; kind: 'ready'; threads: number; isolated: boolean }
  | { id: number; kind: 'inspected'; view: ModelView }
  /** A `.pt`/`.pth`/`.safetensors` file: its summary (it is compressed in place; validation runs its ONNX twin). */
  | { id: number; kind: 'weights'; summary: WeightsSummary }
  | { id: number; kind: 'pruned'; summary: PruneSummary; model: Blob }
  | { id: number; kind: 'twin'; slot: TwinSlot; view: ModelView; warnings: string[] }
  | { id: number; kind: 'validated'; summary: ValSummary }
  | { id: number; kind: 'benched'; summary: BenchSummary }
  | { id: number; kind: 'report'; html: string; json: ComparisonReport };
