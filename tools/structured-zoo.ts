/**
 * Dev check: structured pruning on architectures it was not tuned for never writes a broken model. Every
 * `*.onnx` in DIR (e.g. from `/usr/bin/python3 tools/cnn_zoo.py DIR`) is pruned at several ratios and round-to
 * values (head protection off): the result must pass the channel-consistency check and run in onnxruntime with
 * the original output shapes, or be left unchanged with a message. A model whose removed channels are made dead
 * first is not checked here (test/prune/structured covers exactness on hand-built graphs).
 *
 * Run: `npx tsx tools/structured-zoo.ts DIR` — prints one line per model and setting; exit 1 on any failure.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { checkChannelConsistency } from '../src/graph/deps/index.js';
import { modelOutputs, serializeOnnx } from '../src/io/onnx/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { randomFeeds } from '../src/prune/index.js';
import { pruneChannels } from '../src/prune/structured/index.js';
import { createSession } from '../src/runtime/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: npx tsx tools/structured-zoo.ts DIR');
let failures = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort()) {
  const model = await loadOnnx(path.join(dir, file));
  for (const [ratio, roundTo] of [[0.3, 1], [0.5, 8], [0.25, 16], [0.9, 1]] as const) {
    let line = `${file} ratio ${ratio} round-to ${roundTo}: `;
    try {
      const r = pruneChannels(model, { ratio, roundTo, headPath: null });
      const consistency = checkChannelConsistency(r.model);
      const session = await createSession(serializeOnnx(r.model), { threads: 1 });
      const out = await session.run(randomFeeds(session));
      await session.release();
      const shapesOk = modelOutputs(model.proto).every((o) => JSON.stringify(out[o.name]?.dims) === JSON.stringify(o.shape));
      const ok = consistency.ok && shapesOk;
      if (!ok) failures++;
      line += `${ok ? 'ok' : 'FAILED'}; params ${r.report.params.before} → ${r.report.params.after}; ${r.report.barriers.length} barriers${r.report.message ? `; ${r.report.message}` : ''}`;
    } catch (e) {
      failures++;
      line += `FAILED: ${e instanceof Error ? e.message : String(e)}`;
    }
    console.log(line);
  }
}
console.log(failures === 0 ? 'all models valid' : `${failures} failures`);
process.exitCode = failures === 0 ? 0 : 1;
