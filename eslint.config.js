import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Node-only edges of the library: the only files under src/ (besides src/cli/ and src/files/, the file edge) that
 * may import node:*, sharp, worker_threads, onnxruntime-node or tsx. Everything else is the core, which must also build for the browser
 * (the web page's Vite build fails if a Node-only module reaches it; see docs/web.md).
 */
const NODE_EDGES = [
  'src/cli/**',
  'src/bench/benchmark.ts',
  'src/eval/calibration.ts',
  'src/eval/dataset/coco-dataset.ts',
  'src/eval/dataset/image-files.ts',
  'src/eval/dataset/open.ts',
  'src/eval/dataset/yolo-dataset.ts',
  'src/eval/dataset/yolo-yaml.ts',
  'src/eval/postprocess-queue.ts',
  'src/eval/postprocess-worker.ts',
  'src/eval/preprocess/decode-image.ts',
  'src/eval/preprocess/prepared-stream.ts',
  'src/eval/preprocess/preprocess-worker.ts',
  'src/eval/spawn-worker.ts',
  'src/eval/validate.ts',
  'src/eval/worker-pool.ts',
  'src/files/**',
  'src/report/compare.ts',
  'src/runtime/optimized.ts',
  'src/runtime/ort-node.ts',
];

const NODE_ONLY_MESSAGE = 'Node-only module in the core: put it in a Node edge (eslint.config.js NODE_EDGES) behind a small interface, with a browser twin if the page needs it (docs/web.md)';
const NODE_ONLY_RE = '^(node:.*|sharp|worker_threads|onnxruntime-node|tsx.*|fs|fs.promises|path|os|url|child_process|perf_hooks)$';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'coverage/**', 'bench/results/**', '.stryker-tmp/**', 'reports/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-expect-error': 'allow-with-description' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'web/src/**/*.ts'],
    ignores: NODE_EDGES,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: NODE_ONLY_RE, message: NODE_ONLY_MESSAGE }] }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'process is Node-only: core code must also run in a browser (guard it with typeof, or move it to a Node edge)' },
        { name: 'Buffer', message: 'Buffer is Node-only: use Uint8Array in the core' }],
      'no-restricted-syntax': ['error', {
        selector: `ImportExpression[source.value=/${NODE_ONLY_RE}/]`,
        message: NODE_ONLY_MESSAGE,
      }],
    },
  },
);
