/**
 * Worker for bench/inspect.ts: the `inspect` path alone (read, parse, shapes, layers, report, text), bundled
 * by esbuild so that neither TypeScript loading nor the other CLI commands' imports are measured.
 * `--phases` prints the wall/CPU time of each phase of one cold run as JSON instead of the report.
 */
import { formatInspectText } from '../src/cli/inspect-text.js';
import { indexGraph, inferShapes, inspectOnnx, listLayers } from '../src/graph/index.js';
import { parseOnnx } from '../src/io/onnx/index.js';
import { readInputFile } from '../src/files/onnx-file.js';

const file = process.argv[2]!;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

if (process.argv.includes('--phases')) {
  const phases: Record<string, { wallMs: number; cpuMs: number }> = {};
  let wall = performance.now();
  let cpu = cpuMs();
  const mark = (name: string) => {
    const w = performance.now();
    const c = cpuMs();
    phases[name] = { wallMs: w - wall, cpuMs: c - cpu };
    wall = w;
    cpu = c;
  };
  const bytes = await readInputFile(file); mark('read');
  const model = parseOnnx(bytes, { path: file }); mark('parse');
  const g = indexGraph(model); mark('indexGraph');
  const shapes = inferShapes(model, g); mark('inferShapes');
  listLayers(model, g, { shapes }); mark('listLayers');
  const report = inspectOnnx(model); mark('inspectOnnx (index+shapes+layers+totals, warm)');
  formatInspectText(report, { layers: true }); mark('formatText');
  process.stdout.write(JSON.stringify({ startupCpuMs: cpuMs() - Object.values(phases).reduce((a, p) => a + p.cpuMs, 0), phases }) + '\n');
} else {
  const model = parseOnnx(await readInputFile(file), { path: file });
  process.stdout.write(formatInspectText(inspectOnnx(model)).join('\n') + '\n');
}
