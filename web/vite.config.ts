/**
 * Vite build of the web page (web/ → web/dist, static files). The page's Web Worker imports the prunekit core
 * from src/; Node-only edge modules are replaced by their browser twins in web/src/edges (same exports), and
 * the build FAILS if anything else pulls a Node-only module (node:*, sharp, worker_threads, onnxruntime-node,
 * tsx) into the browser bundle: that keeps the core clean of Node-only code. onnxruntime-web's wasm runtime is
 * copied from node_modules into dist/ort/ (no CDN).
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(here, '..', 'src');
const ortDist = path.resolve(here, '..', 'node_modules', 'onnxruntime-web', 'dist');

/** Node edge module (under src/) → its browser twin (under web/src/edges/). */
export const BROWSER_TWINS: Readonly<Record<string, string>> = {
  'runtime/ort-node.ts': 'ort-web.ts',
};

/** Files onnxruntime-web loads at run time (the threaded SIMD wasm build and its loader). */
export const ORT_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

const NODE_ONLY = /^(node:|sharp$|worker_threads$|onnxruntime-node$|tsx(\/|$)|fs$|path$|os$|url$|perf_hooks$)/;

function browserTwins(): Plugin {
  const twins = new Map(Object.entries(BROWSER_TWINS).map(([from, to]) => [path.join(src, from), path.join(here, 'src', 'edges', to)]));
  /** First importer of each module, to name the import chain when a Node-only module is reached. */
  const importedBy = new Map<string, string>();
  return {
    name: 'prunekit-browser-twins',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (NODE_ONLY.test(source)) {
        const chain: string[] = [];
        for (let m = importer; m && chain.length < 12; m = importedBy.get(m)) chain.push(path.relative(path.resolve(here, '..'), m));
        this.error(`Node-only module '${source}' reached the browser bundle through ${chain.join(' <- ')}: move it behind an edge (see docs/web.md)`);
      }
      if (!importer || !source.startsWith('.')) return null;
      const resolved = path.resolve(path.dirname(importer), source).replace(/\.js$/, '.ts');
      const twin = twins.get(resolved);
      if (!importedBy.has(twin ?? resolved)) importedBy.set(twin ?? resolved, importer);
      return twin ?? null;
    },
  };
}

function copyOrtWasm(): Plugin {
  let outDir = '';
  return {
    name: 'prunekit-copy-ort-wasm',
    configResolved(c) { outDir = c.build.outDir; },
    configureServer(server) {
      server.middlewares.use('/ort/', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0]!;
        if (!ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.end(readOrt(name));
      });
    },
    writeBundle() {
      mkdirSync(path.join(outDir, 'ort'), { recursive: true });
      for (const f of ORT_FILES) copyFileSync(path.join(ortDist, f), path.join(outDir, 'ort', f));
    },
  };
}

function readOrt(name: string): Buffer {
  return readFileSync(path.join(ortDist, name));
}

/** Cross-origin isolation, so onnxruntime-web may use threads (SharedArrayBuffer). */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here,
  base: './',
  plugins: [browserTwins(), copyOrtWasm()],
  // onnxruntime-web's build that loads its wasm from env.wasm.wasmPaths (./ort/), not a second bundled copy.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', 'module', 'browser', 'production', 'import', 'default'] },
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  worker: { format: 'es', plugins: () => [browserTwins()] },
  server: { headers: ISOLATION },
  preview: { headers: ISOLATION },
});
