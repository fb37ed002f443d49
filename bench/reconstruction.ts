/**
 * Calibrated second-order reconstruction for unstructured and N:M pruning (`prune --calib`, docs/reconstruction.md)
 * against today's magnitude pruning, on LeYOLONano-640: calibration on coco128 images 1–32 (sorted by file name),
 * validation on images 33–128 (none of which calibration saw); mAP50 and mAP50-95 (Ultralytics metric).
 * Cases: 10% / 30% / 50% of weights (uniform preset and tokenc3-lsnet module ratios scaled by --target) and 2:4.
 * Then time and peak memory (child processes, maxRSS) of LeYOLONano at 30% with 32 and 128 calibration images and
 * of the 28 MB TokenC3 model (random weights: time and memory only).
 *
 * Run: `flock /tmp/prunekit-bench.lock npx tsx bench/reconstruction.ts` (env: BENCH_THREADS=2, BENCH_PART=accuracy|cost|exactobs|admm|augment|tune|gains|all,
 * BENCH_CASES=u10,u30,..., BENCH_METHODS=0,2 and BENCH_COST=0,1,2 (indices) to restrict; BENCH_SEGMENTS=0 runs the
 * cost part the old way, re-running the network's prefix for every block). Writes bench/results/reconstruction.json
 * (or reconstruction-<part>.json; BENCH_NAME overrides).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrationImagePaths, openCalibrationImages, validate, type CalibrationAugment } from '../src/eval/index.js';
import { pruneFile, type PruneFileOptions } from '../src/files/prune-file.js';
import { parseOnnx } from '../src/io/onnx/bytes.js';
import { layerGains } from '../src/prune/recon/gain.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const part = process.env.BENCH_PART ?? 'all';
const leyolo = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const tokenc3 = path.join(FIXTURES, 'models', 'yolov13n-tokenc3-lsnet-random.onnx');
const tokenc3Yaml = path.join(FIXTURES, 'configs', 'yolov13_lsnet.yaml');
const yaml128 = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const coco128 = path.join(FIXTURES, 'datasets', 'coco128', 'images');

/** One pruning run in this process (the child mode of the cost part): prints a JSON line. */
async function child(spec: { model: string; target?: number; images: number; arch?: string; preset?: string; scope?: 'global'; selection?: 'exactobs' | 'admm'; nm?: { n: number; m: number }; augment?: CalibrationAugment[] }): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-recon-'));
  const calibration = await openCalibrationImages(coco128, { images: spec.images, imgsz: 640, inputName: 'images', augment: spec.augment });
  const t0 = performance.now();
  const segments = process.env.BENCH_SEGMENTS !== '0';
  const r = await pruneFile(spec.model, path.join(tmp, 'out.onnx'), {
    target: spec.target, preset: spec.preset, arch: spec.arch, scope: spec.scope, nm: spec.nm, calibration, reconstruction: { threads, segments, selection: spec.selection }, force: true,
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, segments, maxRssMiB: process.resourceUsage().maxRSS / 1024, info: r.reconstruction, achieved: r.totals.achieved }));
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]!));
  process.exit(0);
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-recon-'));
// Images 33–128 as a list file (labels are found beside them); class names as in coco128.yaml.
await writeFile(path.join(tmp, 'heldout.txt'), (await calibrationImagePaths(coco128)).slice(32).join('\n') + '\n');
const names = (await readFile(yaml128, 'utf8')).split('\n').filter((l) => /^ {2}\d+: /.test(l));
const heldout = path.join(tmp, 'heldout.yaml');
await writeFile(heldout, ['val: heldout.txt', 'names:', ...names].join('\n') + '\n');

interface Case { id: string; name: string; options: PruneFileOptions }
const cases: Case[] = [
  { id: 'u10', name: 'uniform 10%', options: { target: 0.1 } },
  { id: 't10', name: 'tokenc3-lsnet ratios, --target 0.10', options: { preset: 'tokenc3-lsnet', target: 0.1 } },
  { id: 'u30', name: 'uniform 30%', options: { target: 0.3 } },
  { id: 'u50', name: 'uniform 50%', options: { target: 0.5 } },
  { id: 'nm24', name: '2:4', options: { nm: { n: 2, m: 4 } } },
];
const only = process.env.BENCH_CASES?.split(',');
const onlyMethods = process.env.BENCH_METHODS?.split(',');
interface Method { name: string; options: Partial<PruneFileOptions>; calib: boolean }
const allMethods: Method[] = [
  { name: 'magnitude (l1, today)', options: {}, calib: false },
  { name: 'global LAMP (today)', options: { scope: 'global', criterion: 'lamp' }, calib: false },
  { name: '--calib obs (exact refit)', options: { dataCriterion: 'obs' }, calib: true },
  { name: '--calib wanda (exact refit)', options: { dataCriterion: 'wanda' }, calib: true },
  { name: '--calib obs --scope global (data allocation)', options: { dataCriterion: 'obs', scope: 'global', criterion: 'lamp' }, calib: true },
];
const methods = allMethods.filter((_, i) => !onlyMethods || onlyMethods.includes(String(i)));
const result: Record<string, unknown> = { model: 'LeYOLONano-640.onnx', calibration: 'coco128 images 1-32 (sorted)', validation: 'coco128 images 33-128 (sorted)', threads, cpus: os.cpus().length };

if (part === 'accuracy' || part === 'all') {
  const base = await validate({ model: leyolo, data: heldout, threads });
  const original = { map50: base.metrics!.map50, map5095: base.metrics!.map5095 };
  console.log(`original: mAP50 ${original.map50.toFixed(4)} mAP50-95 ${original.map5095.toFixed(4)}`);
  const rows = [];
  for (const c of cases.filter((x) => !only || only.includes(x.id))) {
    for (const m of methods) {
      if ((c.options.nm || c.options.preset) && m.options.scope === 'global') continue;
      const out = path.join(tmp, `${c.id}-${rows.length}.onnx`);
      const calibration = m.calib ? await openCalibrationImages(coco128, { images: 32, imgsz: 640, inputName: 'images' }) : undefined;
      const t0 = performance.now();
      const r = await pruneFile(leyolo, out, { ...c.options, ...m.options, calibration, reconstruction: { threads }, force: true });
      const seconds = (performance.now() - t0) / 1000;
      const v = await validate({ model: out, data: heldout, threads });
      const row = {
        case: c.name, method: m.name, map50: v.metrics!.map50, map5095: v.metrics!.map5095,
        dropMap50Pts: 100 * (original.map50 - v.metrics!.map50), dropMap5095Pts: 100 * (original.map5095 - v.metrics!.map5095),
        achieved: r.totals.achieved, zeroed: r.totals.zeroed, seconds,
      };
      rows.push(row);
      console.log(`${c.name} | ${m.name}: mAP50 ${row.map50.toFixed(4)} (−${row.dropMap50Pts.toFixed(2)} pt) mAP50-95 ${row.map5095.toFixed(4)} (−${row.dropMap5095Pts.toFixed(2)} pt), sparsity ${row.achieved.toFixed(4)}, ${seconds.toFixed(1)} s`);
    }
  }
  result.accuracy = { original, rows };
}

if (part === 'tune') {
  // Issue 12, session 7: variants of the two open cases, one row each, appended to the JSON as they finish
  // (BENCH_TUNE=indices picks; reconstruction options as in ReconstructionOptions).
  // Session 9 (#12): calibration augmentation (`augment: 'flip'`: images 1–32 and their mirrors, 64 inputs) and
  // covariance shrinkage towards the diagonal (`reconstruction.shrink`).
  const tune: Array<{ label: string; options: Partial<PruneFileOptions>; augment?: CalibrationAugment[] }> = [
    { label: '50% global, exactobs (session 6 default of --exact-obs)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs' } } },
    { label: '50% global, exactobs, damp 0.1', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', damp: 0.1 } } },
    { label: '2:4 adaptive, runs of 4 input channels at one tap', options: { nm: { n: 2, m: 4 } } },
    { label: '2:4 exactobs, runs of 4 input channels at one tap', options: { nm: { n: 2, m: 4 }, reconstruction: { selection: 'exactobs' } } },
    { label: '50% global, exactobs, no row normalisation (rows spread by plain output error)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', rowNormalize: false } } },
    { label: '50% global, exactobs, no layer above 80%', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', maxLayerRatio: 0.8 } } },
    { label: '50% global, exactobs, 32 blocks', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', blocks: 32 } } },
    // Session 9: ADMM selection (admm.ts), then the exact refit.
    { label: '2:4 ADMM (rho 1, 15 iterations growing the mask)', options: { nm: { n: 2, m: 4 }, reconstruction: { selection: 'admm' } } },
    { label: '50% global ADMM (rho 1, 15 iterations growing the mask)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'admm' } } },
    { label: '30% global ADMM', options: { target: 0.3, scope: 'global', reconstruction: { selection: 'admm' } } },
    { label: '10% (layer scope) ADMM', options: { target: 0.1, reconstruction: { selection: 'admm' } } },
    { label: '2:4 ADMM, rho 0.3', options: { nm: { n: 2, m: 4 }, reconstruction: { selection: 'admm', admm: { rho: 0.3 } } } },
    { label: '2:4 ADMM, rho 3', options: { nm: { n: 2, m: 4 }, reconstruction: { selection: 'admm', admm: { rho: 3 } } } },
    { label: '50% global ADMM, rho 0.3', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'admm', admm: { rho: 0.3 } } } },
    { label: '50% global ADMM, rho 3', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'admm', admm: { rho: 3 } } } },
    { label: '2:4 ADMM, 30 iterations (15 growing the mask, 15 re-choosing it at the full count)', options: { nm: { n: 2, m: 4 }, reconstruction: { selection: 'admm', admm: { iterations: 30 } } } },
    { label: '50% global ADMM, 30 iterations (15 growing the mask, 15 re-choosing it at the full count)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'admm', admm: { iterations: 30 } } } },
    { label: '30% layer scope ADMM', options: { target: 0.3, reconstruction: { selection: 'admm' } } },
    // Session 9: network-aware allocation, scores × the layer's measured gain (noise in its output, 4 images).
    { label: '50% global, exactobs, gain noise (p = 1)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', gain: 'noise' } } },
    { label: '50% global, saliency, gain noise (p = 1)', options: { target: 0.5, scope: 'global', reconstruction: { gain: 'noise' } } },
    { label: '30% global, saliency, gain noise (p = 1)', options: { target: 0.3, scope: 'global', reconstruction: { gain: 'noise' } } },
    { label: '50% global, exactobs, gain noise (p = 0.5)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', gain: 'noise', gainExponent: 0.5 } } },
    { label: '50% global, saliency, gain noise (p = 0.5)', options: { target: 0.5, scope: 'global', reconstruction: { gain: 'noise', gainExponent: 0.5 } } },
    { label: '50% global, exactobs, ExactOBS-database allocation (the layers\' error-vs-count curves) × gain noise (p = 1)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', allocation: 'exactobs', gain: 'noise' } } },
    // Session 9 (#12): calibration augmentation and covariance shrinkage (indices 24–38).
    { label: '50% global, exactobs, + horizontal flips (64 inputs)', augment: ['flip'], options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs' } } },
    { label: '2:4 adaptive, + horizontal flips (64 inputs)', augment: ['flip'], options: { nm: { n: 2, m: 4 } } },
    { label: '30% global (default), + horizontal flips (64 inputs)', augment: ['flip'], options: { target: 0.3, scope: 'global' } },
    { label: '50% global, exactobs, shrink 0.1', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', shrink: 0.1 } } },
    { label: '2:4 adaptive, shrink 0.1', options: { nm: { n: 2, m: 4 }, reconstruction: { shrink: 0.1 } } },
    { label: '50% global, exactobs, shrink 0.3', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', shrink: 0.3 } } },
    { label: '2:4 adaptive, shrink 0.3', options: { nm: { n: 2, m: 4 }, reconstruction: { shrink: 0.3 } } },
    { label: '30% global (default), shrink 0.1', options: { target: 0.3, scope: 'global', reconstruction: { shrink: 0.1 } } },
    { label: '2:4 adaptive, + flips + 0.75× scaled copies (96 inputs)', augment: ['flip', 'scale'], options: { nm: { n: 2, m: 4 } } },
    { label: '50% global, exactobs, + flips + 0.75× scaled copies (96 inputs)', augment: ['flip', 'scale'], options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs' } } },
    { label: '30% global (default), + flips + 0.75× scaled copies (96 inputs)', augment: ['flip', 'scale'], options: { target: 0.3, scope: 'global' } },
    { label: '2:4 adaptive, + horizontal flips, shrink 0.1', augment: ['flip'], options: { nm: { n: 2, m: 4 }, reconstruction: { shrink: 0.1 } } },
    { label: '50% global, exactobs, + horizontal flips, shrink 0.1', augment: ['flip'], options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', shrink: 0.1 } } },
    { label: '30% global (default), + horizontal flips, shrink 0.1', augment: ['flip'], options: { target: 0.3, scope: 'global', reconstruction: { shrink: 0.1 } } },
    { label: '30% global (default), 32 images (baseline re-run)', options: { target: 0.3, scope: 'global' } },
    // Session 9 (ADMM), continued.
    { label: '50% global ADMM, damp 0.1', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'admm', damp: 0.1 } } },
    { label: '50% global ADMM, 15 iterations, the mask grown over the first 10', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'admm', admm: { schedule: 10 } } } },
    { label: '50% layer scope ADMM', options: { target: 0.5, reconstruction: { selection: 'admm' } } },
    // Session 9 (#12), continued (indices 42–45, after session 9's and the ADMM ones): 30% with p = 0.5, then the gains pooled over the images (ratio of sums; 18–23 and 42: mean of per-image ratios, commit 716f254).
    { label: '30% global, saliency, gain noise (p = 0.5)', options: { target: 0.3, scope: 'global', reconstruction: { gain: 'noise', gainExponent: 0.5 } } },
    { label: '50% global, exactobs, gain noise pooled over 8 images (p = 0.5)', options: { target: 0.5, scope: 'global', reconstruction: { selection: 'exactobs', gain: 'noise', gainExponent: 0.5, gainImages: 8 } } },
    { label: '50% global, saliency, gain noise pooled over 8 images (p = 0.5)', options: { target: 0.5, scope: 'global', reconstruction: { gain: 'noise', gainExponent: 0.5, gainImages: 8 } } },
    { label: '30% global, saliency, gain noise pooled over 8 images (p = 0.5)', options: { target: 0.3, scope: 'global', reconstruction: { gain: 'noise', gainExponent: 0.5, gainImages: 8 } } },
  ];
  const pick = process.env.BENCH_TUNE?.split(',').map(Number);
  const file = path.resolve('bench', 'results', `${process.env.BENCH_NAME ?? 'reconstruction-tune'}.json`);
  const rows: unknown[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { rows: unknown[] }).rows : [];
  const original = { map50: 0.5764593449997295, map5095: 0.43714303439088903 }; // the unpruned model on images 33–128 (reconstruction-accuracy.json)
  for (const i of pick ?? tune.keys()) {
    const v = tune[i]!;
    const out = path.join(tmp, `tune-${i}.onnx`);
    const calibration = await openCalibrationImages(coco128, { images: 32, imgsz: 640, inputName: 'images', augment: v.augment });
    const t0 = performance.now();
    const r = await pruneFile(leyolo, out, { dataCriterion: 'obs', ...v.options, calibration, reconstruction: { threads, ...v.options.reconstruction }, force: true });
    const wallSeconds = (performance.now() - t0) / 1000;
    const m = await validate({ model: out, data: heldout, threads });
    const row = {
      index: i, label: v.label, map50: m.metrics!.map50, map5095: m.metrics!.map5095, dropMap50Pts: 100 * (original.map50 - m.metrics!.map50),
      dropMap5095Pts: 100 * (original.map5095 - m.metrics!.map5095), achieved: r.totals.achieved, seconds: r.reconstruction!.seconds, wallSeconds, gains: r.reconstruction!.gains, options: v.options, augment: v.augment,
      calibration: { description: r.reconstruction!.description, inputs: r.reconstruction!.images, positionsPerInput: r.reconstruction!.positions, activations: r.reconstruction!.activations },
      layers: r.layers.filter((l) => l.zerosAfter > 0).map((l) => ({ module: l.modulePath || l.id, params: l.params, sparsity: +(l.zerosAfter / l.params).toFixed(4), errorAfter: l.reconstruction?.errorAfter ?? null })),
    };
    rows.push(row);
    console.log(`${i} ${v.label}: mAP50 ${row.map50.toFixed(4)} (−${row.dropMap50Pts.toFixed(2)} pt) mAP50-95 ${row.map5095.toFixed(4)} (−${row.dropMap5095Pts.toFixed(2)} pt); ${r.reconstruction!.images} inputs, ${wallSeconds.toFixed(1)} s`);
    saveResult(process.env.BENCH_NAME ?? 'reconstruction-tune', { ...result, rows });
  }
  process.exit(0);
}

if (part === 'gains') {
  // Issue 12, session 9: the network gains of the allocation (gain.ts) alone, on calibration images 1–4: every
  // Conv of LeYOLO-Nano (the head included, for reading), forwards = images × (convs + 1), wall time, the gains.
  const model = parseOnnx(await readFile(leyolo));
  const images = Number(process.env.BENCH_GAIN_IMAGES ?? 4);
  const convs = model.proto.graph!.node.filter((n) => n.opType === 'Conv');
  const calibration = await openCalibrationImages(coco128, { images, imgsz: 640, inputName: 'images' });
  const t0 = performance.now();
  const g = await layerGains(model, convs.map((n, i) => ({ index: i, output: n.output[0]!, rank: 4 })), calibration.feeds(), { run: { threads } });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`gains of ${convs.length} convs on ${g.images} images: ${g.forwards} forwards, ${seconds.toFixed(1)} s`);
  result.gains = { images: g.images, forwards: g.forwards, seconds, layers: convs.map((n, i) => ({ node: n.name, gain: g.gains.get(i) })) };
}

if (part === 'cost' || part === 'all' || part === 'exactobs' || part === 'augment' || part === 'admm') {
  const self = fileURLToPath(import.meta.url);
  // BENCH_PART=admm: the cost of ADMM selection (issue 12, session 9) against the defaults, 32 images.
  const admm = [
    { name: 'LeYOLONano-640 2:4, adaptive (default), 32 images', spec: { model: leyolo, nm: { n: 2, m: 4 }, images: 32 } },
    { name: 'LeYOLONano-640 2:4, --admm, 32 images', spec: { model: leyolo, nm: { n: 2, m: 4 }, selection: 'admm' as const, images: 32 } },
    { name: 'LeYOLONano-640 50% global, saliency, 32 images', spec: { model: leyolo, target: 0.5, scope: 'global' as const, images: 32 } },
    { name: 'LeYOLONano-640 50% global, --admm, 32 images', spec: { model: leyolo, target: 0.5, scope: 'global' as const, selection: 'admm' as const, images: 32 } },
  ];
  // BENCH_PART=exactobs: the cost of ExactOBS selection (issue 12, session 6) against the one-shot saliency, 32 images.
  // BENCH_PART=augment: calibration augmentation (issue 12, session 9): 32 images alone, with their flips (64
  // inputs) and with flips and 3/4-scale copies (96 inputs), LeYOLO-Nano 30% global.
  const runs = part === 'admm' ? admm : part === 'augment' ? [
    { name: 'LeYOLONano-640 30% global, 32 images', spec: { model: leyolo, target: 0.3, scope: 'global' as const, images: 32 } },
    { name: 'LeYOLONano-640 30% global, 32 images + flips (64 inputs)', spec: { model: leyolo, target: 0.3, scope: 'global' as const, images: 32, augment: ['flip' as const] } },
    { name: 'LeYOLONano-640 30% global, 32 images + flips + 3/4-scale copies (96 inputs)', spec: { model: leyolo, target: 0.3, scope: 'global' as const, images: 32, augment: ['flip' as const, 'scale' as const] } },
  ] : part === 'exactobs' ? [
    { name: 'LeYOLONano-640 50% global, saliency, 32 images', spec: { model: leyolo, target: 0.5, scope: 'global' as const, images: 32 } },
    { name: 'LeYOLONano-640 50% global, --exact-obs, 32 images', spec: { model: leyolo, target: 0.5, scope: 'global' as const, selection: 'exactobs' as const, images: 32 } },
    { name: 'LeYOLONano-640 2:4, --exact-obs, 32 images', spec: { model: leyolo, nm: { n: 2, m: 4 }, selection: 'exactobs' as const, images: 32 } },
  ] : [
    { name: 'LeYOLONano-640 30%, 32 images', spec: { model: leyolo, target: 0.3, images: 32 } },
    { name: 'LeYOLONano-640 30%, 128 images', spec: { model: leyolo, target: 0.3, images: 128 } },
    { name: 'TokenC3 (28 MB) tokenc3-lsnet --target 0.3, 32 images', spec: { model: tokenc3, target: 0.3, images: 32, arch: tokenc3Yaml, preset: 'tokenc3-lsnet' } },
  ];
  const cost = [];
  const pick = process.env.BENCH_COST?.split(',').map(Number);
  for (const r of runs.filter((_, i) => !pick || pick.includes(i))) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', JSON.stringify(r.spec)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = JSON.parse(out.trim().split('\n').pop()!);
    cost.push({ name: r.name, ...line });
    console.log(`${r.name}: ${line.seconds.toFixed(1)} s, peak RSS ${line.maxRssMiB.toFixed(0)} MiB`);
  }
  result.cost = cost;
}
saveResult(process.env.BENCH_NAME ?? (part === 'all' ? 'reconstruction' : `reconstruction-${part}`), result);
