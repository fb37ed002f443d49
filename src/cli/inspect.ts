/**
 * `prunekit inspect MODEL [--layers] [--json FILE] [--imgsz N]`: what a model file holds — format, inputs and
 * outputs, Ultralytics metadata, weight layers with params / non-zero / MACs, totals. The JSON written by
 * `--json` is the {@link InspectReport} (schema documented in docs/inspect.md, versioned by `schemaVersion`).
 *
 * Formats are dispatched in one place, {@link INSPECTORS}: add a format by adding an entry there.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { ImageSize, InspectReport } from '../graph/index.js';
import type { CliContext, CommandModule } from './context.js';
import { parseImageSize } from './flag-values.js';
import { formatInspectText } from './inspect-text.js';
import { readWeightsFile } from '../files/read-whole.js';

export type ModelFormat = 'onnx' | 'pytorch' | 'safetensors';

export interface InspectFileOptions {
  imgsz?: ImageSize;
  /** Compute the gzip-compressed size: true always, false never, undefined for files ≤ {@link GZIP_AUTO_MAX_BYTES}. */
  gzip?: boolean;
}

/** Model format from the file name (`.pt`/`.pth` → pytorch, `.safetensors`, anything else → onnx). */
export function detectFormat(file: string): ModelFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.pt' || ext === '.pth') return 'pytorch';
  if (ext === '.safetensors') return 'safetensors';
  return 'onnx';
}

/** What an inspector gives back: the JSON report (`--json`) and its text rendering. */
export interface Inspection {
  /** JSON-ready report; for ONNX an {@link InspectReport}. */
  json: unknown;
  text(options: { layers: boolean }): string[];
}

export type Inspector = (file: string, options: InspectFileOptions) => Promise<Inspection>;

/**
 * `.pt`/`.pth`/`.safetensors`: checkpoint summary (pickle never executed) — see inspect-checkpoint.ts. The file is
 * read while the checkpoint reader's modules load: they do not depend on each other.
 */
const weights: Inspector = async (file) => {
  const bytes = readWeightsFile(file);
  bytes.catch(() => undefined); // awaited below; only an import failure would leave it unobserved
  const { weightsInspection } = await import('./inspect-checkpoint.js');
  return weightsInspection(file, await bytes);
};

/** ONNX: the full report (layers, MACs, metadata). */
export async function inspectOnnxFile(file: string, options: InspectFileOptions = {}): Promise<InspectReport> {
  // Loaded here, not at the top: `inspect best.pt` then never loads the protobuf runtime (~50 ms of startup).
  const [{ inspectOnnx }, { loadOnnx }, { gzipSize, GZIP_AUTO_MAX_BYTES }] = await Promise.all([
    import('../graph/index.js'), import('../files/onnx-file.js'), import('../files/gzip-size.js'),
  ]);
  const model = await loadOnnx(file);
  const bytes = model.source;
  const wanted = options.gzip ?? (bytes !== undefined && bytes.length <= GZIP_AUTO_MAX_BYTES);
  // Compressed on libuv's pool while the report is built on this thread.
  const gz = wanted && bytes ? gzipSize(bytes) : Promise.resolve(null);
  const report = inspectOnnx(model, { imgsz: options.imgsz });
  report.file.gzipBytes = await gz;
  return report;
}

/** One inspector per format (load heavy format readers lazily inside the entry, to keep startup fast). */
export const INSPECTORS: Readonly<Record<ModelFormat, Inspector>> = {
  onnx: async (file, options) => {
    const report = await inspectOnnxFile(file, options);
    return { json: report, text: ({ layers }) => formatInspectText(report, { layers }) };
  },
  pytorch: weights,
  safetensors: weights,
};

/** Inspect a model file of any supported format. */
export function inspectFile(file: string, options: InspectFileOptions = {}): Promise<Inspection> {
  return INSPECTORS[detectFormat(file)](file, options);
}


interface InspectFlags { layers?: boolean; json?: string; imgsz?: string; force?: boolean; gzip?: boolean }


async function run(ctx: CliContext, model: string, flags: InspectFlags): Promise<void> {
  const imgsz = parseImageSize('imgsz', flags.imgsz);
  // The output helpers load only when a file is to be written (a plain `inspect` does not pay for them).
  const outputs = flags.json !== undefined && flags.json !== '-' ? await import('./outputs.js') : undefined;
  await outputs?.checkOutputs([outputs.target('--json', flags.json)], { force: flags.force, inputs: [model] });
  const inspection = await inspectFile(model, { imgsz, gzip: flags.gzip });
  if (flags.json === '-') {
    ctx.io.out(JSON.stringify(inspection.json, null, 2));
    return;
  }
  for (const line of inspection.text({ layers: flags.layers ?? false })) ctx.io.out(line);
  if (flags.json && outputs) {
    await outputs.writeJson(flags.json, inspection.json, { force: flags.force });
    ctx.io.out(`wrote ${flags.json}`);
  }
}

export const inspectCommand: CommandModule = {
  name: 'inspect',
  register(program: Command, ctx: CliContext) {
    program
      .command('inspect')
      .description('summarise a model: inputs/outputs, metadata, weight layers, params, non-zero, MACs')
      .argument('<model>', 'model file: .onnx, .pt/.pth (Ultralytics checkpoint) or .safetensors')
      .option('--layers', 'print the per-layer table')
      .option('--json <file>', "write the full report as JSON ('-' prints it instead of the text summary)")
      .option('--force', 'overwrite an existing --json file')
      .option('--gzip', 'always compute the gzip-compressed size (default: for files up to 16 MiB)')
      .option('--no-gzip', 'skip the gzip-compressed size')
      .option('--imgsz <size>', 'image size for dynamic input dims when computing MACs: 640 or HEIGHTxWIDTH (default: model metadata, else 640)')
      .action((model: string, flags: InspectFlags) => run(ctx, model, flags));
  },
};
