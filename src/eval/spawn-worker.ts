/**
 * Start a worker thread from a module that sits next to its caller: the compiled `.js` file (dist/) when it
 * exists, else, from TypeScript sources (tsx, vitest), the `.ts` file loaded through tsx's API in an eval
 * worker. Throws when neither file exists; a worker that fails to load reports it through its 'error' event,
 * and callers fall back to their in-thread path.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `jsUrl`: the worker's compiled file, e.g. `new URL('./x-worker.js', import.meta.url)`. */
export function spawnModuleWorker(jsUrl: URL): Worker {
  if (existsSync(fileURLToPath(jsUrl))) return new Worker(jsUrl);
  const ts = new URL(jsUrl.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(ts))) throw new Error(`worker module ${fileURLToPath(jsUrl)} not found`);
  const boot = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(ts.href)}, ${JSON.stringify(ts.href)}))`;
  return new Worker(boot, { eval: true });
}
