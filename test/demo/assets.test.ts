/**
 * The demo assets shipped in demo/ (made by tools/demo/train_demo.py): the tiny detector loads and runs, its
 * metadata and node names look like an Ultralytics export, every label and image is readable, and the model
 * really detects the shipped shapes through prunekit's own validation pipeline. No ../shared needed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { computeDetectionMetrics, type ImageDetections, type ImageLabels } from '../../src/eval/index.js';
import { openYoloDataset } from '../../src/eval/dataset/index.js';
import { decodeImageRgb } from '../../src/eval/preprocess/decode-image.js';
import { createPredictor } from '../../src/eval/predictor.js';
import { readModelInfo } from '../../src/eval/validate.js';
import { parseUltralyticsMetadata } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { createSession } from '../../src/runtime/index.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const DEMO = path.join(REPO_ROOT, 'demo');
const MODEL = path.join(DEMO, 'tiny-detector.onnx');
const ARCH = path.join(DEMO, 'tiny-detector.yaml');
const DATA = path.join(DEMO, 'data', 'data.yaml');
const IMAGES = path.join(DEMO, 'data', 'images', 'val');
const LABELS = path.join(DEMO, 'data', 'labels', 'val');
const NAMES = ['circle', 'square', 'triangle'];
const NC = NAMES.length;

async function stems(dir: string, ext: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort();
}

describe('demo model', () => {
  it('is small and loads in onnxruntime with the Ultralytics YOLOv8 signature', async () => {
    expect((await stat(MODEL)).size).toBeLessThan(1.5 * 1024 * 1024);
    const session = await createSession(MODEL, { threads: 1 });
    try {
      expect(session.inputs.map((i) => i.name)).toEqual(['images']);
      const [, c, h, w] = session.inputs[0]!.shape;
      expect(c).toBe(3);
      expect(typeof h === 'number' && h === w && h % 32 === 0).toBe(true);
      const side = h as number;
      const anchors = [8, 16, 32].reduce((n, s) => n + (side / s) ** 2, 0);
      expect(session.outputs.map((o) => o.name)).toEqual(['output0']);
      expect(session.outputs[0]!.shape).toEqual([1, 4 + NC, anchors]);

      const grey = new Float32Array(3 * side * side).fill(114 / 255);
      const out = (await session.run({ images: { dtype: 'float32', dims: [1, 3, side, side], data: grey } })).output0!;
      expect(out.dims).toEqual([1, 4 + NC, anchors]);
      const data = out.data as Float32Array;
      expect(data.every(Number.isFinite)).toBe(true);
      const scores = data.subarray(4 * anchors);
      expect(scores.every((v) => v >= 0 && v <= 1)).toBe(true);
      // Box widths and heights (rows 2 and 3) are non-negative distances in input pixels.
      expect(data.subarray(2 * anchors, 4 * anchors).every((v) => v >= 0 && v <= 2 * side)).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('carries Ultralytics metadata and module-path node names matching demo/tiny-detector.yaml', async () => {
    const model = await loadOnnx(MODEL);
    const md = parseUltralyticsMetadata(model.proto);
    expect(md.problems).toEqual({});
    expect([...(md.names ?? new Map()).entries()]).toEqual(NAMES.map((n, i) => [i, n]));
    expect(md.stride).toBe(32);
    expect(md.task).toBe('detect');
    expect(md.batch).toBe(1);
    expect(md.author).toBe('prunekit demo');
    const graph = model.proto.graph!;
    const side = Number(graph.input[0]!.type?.value.case === 'tensorType' ? graph.input[0]!.type.value.value.shape?.dim[2]?.value.value : NaN);
    expect(md.imgsz).toEqual([side, side]);
    expect(model.proto.opsetImport.find((o) => o.domain === '')?.version).toBe(12n);
    const ops = new Set(graph.node.map((n) => n.opType));
    expect(ops.has('BatchNormalization')).toBe(false); // BN folded into the convs
    for (const op of ['Conv', 'Split', 'Concat', 'Add', 'MaxPool', 'Resize', 'Softmax']) expect(ops.has(op), op).toBe(true);

    const arch = parseYaml(await readFile(ARCH, 'utf8')) as { nc: number; backbone: unknown[][]; head: unknown[][] };
    const layers = [...arch.backbone, ...arch.head];
    expect(arch.nc).toBe(NC);
    expect(layers.at(-1)?.[2]).toBe('Detect');
    const convNames = graph.node.filter((n) => n.opType === 'Conv').map((n) => n.name);
    const indices = new Set(convNames.map((n) => Number(/^\/model\.(\d+)\//.exec(n)?.[1] ?? NaN)));
    // Every Conv sits under a yaml layer; every weight-bearing yaml layer has Convs.
    const weighted = layers.flatMap((l, i) => (['Conv', 'C2f', 'SPPF', 'Detect'].includes(String(l[2])) ? [i] : []));
    expect([...indices].sort((a, b) => a - b)).toEqual(weighted);
    for (const name of ['/model.0/conv/Conv', '/model.2/cv1/conv/Conv', '/model.2/m.0/cv1/conv/Conv', `/model.${layers.length - 1}/dfl/conv/Conv`]) {
      expect(convNames, name).toContain(name);
    }
  });
});

describe('demo dataset', () => {
  it('has data.yaml naming the val folder and the three classes', async () => {
    const spec = parseYaml(await readFile(DATA, 'utf8')) as { val: string; names: Record<string, string>; path?: string };
    expect(spec.val).toBe('images/val');
    expect(spec.path === undefined || spec.path === '.').toBe(true);
    expect(Object.entries(spec.names)).toEqual(NAMES.map((n, i) => [String(i), n]));
  });

  it('pairs every image with a label file whose rows are valid normalised YOLO boxes', async () => {
    const images = await stems(IMAGES, '.png');
    expect(images.length).toBeGreaterThanOrEqual(16);
    expect(await stems(LABELS, '.txt')).toEqual(images);
    const seen = new Set<number>();
    for (const stem of images) {
      const rows = (await readFile(path.join(LABELS, `${stem}.txt`), 'utf8')).split('\n').filter((l) => l.trim() !== '');
      expect(rows.length, stem).toBeGreaterThan(0);
      for (const row of rows) {
        const f = row.trim().split(/\s+/).map(Number);
        expect(f.length, row).toBe(5);
        const [c, cx, cy, w, h] = f as [number, number, number, number, number];
        expect(Number.isInteger(c) && c >= 0 && c < NC, row).toBe(true);
        seen.add(c);
        expect(w > 0 && h > 0 && cx - w / 2 >= -1e-6 && cy - h / 2 >= -1e-6 && cx + w / 2 <= 1 + 1e-6 && cy + h / 2 <= 1 + 1e-6, row).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('decodes every image with sharp as 8-bit RGB', async () => {
    let bytes = 0;
    for (const stem of await stems(IMAGES, '.png')) {
      const file = path.join(IMAGES, `${stem}.png`);
      bytes += (await stat(file)).size;
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels, stem).toBe(3);
      expect(info.width >= 32 && info.height >= 32, stem).toBe(true);
      expect(data.length).toBe(info.width * info.height * 3);
    }
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
  });
});

describe('demo model on the demo dataset', () => {
  it('detects the shipped shapes through prunekit validation (mAP50 > 0.5)', async () => {
    const info = await readModelInfo(MODEL);
    const dataset = await openYoloDataset(DATA);
    expect(dataset.skipped).toEqual([]);
    expect(info.names).toEqual(dataset.names);
    const predictor = await createPredictor(MODEL, info, { imgsz: info.inputSize!, numClasses: NC, threads: 1 });
    const labels: ImageLabels[] = [];
    const detections: ImageDetections[] = [];
    try {
      for (const img of dataset.images) {
        const image = await decodeImageRgb(img.path);
        const { data, geometry } = predictor.prepare(image);
        const { detections: det } = await predictor.run({ data, geometry });
        detections.push({ imageId: img.imageId, ...det });
        if (img.labels.kind !== 'normalized') throw new Error('expected YOLO labels');
        const { classes, boxesCxcywh: b } = img.labels;
        const xyxy = new Float32Array(classes.length * 4);
        for (let i = 0; i < classes.length; i++) {
          const [cx, cy, w, h] = [b[i * 4]! * image.width, b[i * 4 + 1]! * image.height, b[i * 4 + 2]! * image.width, b[i * 4 + 3]! * image.height];
          xyxy.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], i * 4);
        }
        labels.push({ imageId: img.imageId, boxesXyxy: xyxy, classes, width: image.width, height: image.height });
      }
    } finally {
      await predictor.release();
    }
    const m = computeDetectionMetrics({ labels, detections, names: dataset.names });
    expect(m.map50).toBeGreaterThan(0.5);
    for (const c of m.perClass) expect(c.map50, c.name).toBeGreaterThan(0.3);
  });
});
