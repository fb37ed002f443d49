/**
 * The web page builds: Vite bundles web/ with the core, and the build fails (naming the import chain) if any
 * Node-only module (node:*, sharp, worker_threads, onnxruntime-node, tsx) is reachable from the page. Needs no
 * browser, so it guards the core even where chromium is missing. onnxruntime-web's wasm is served from ./ort/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPage } from './browser.js';

describe('web page build', () => {
  it('bundles the core for the browser, with onnxruntime-web\'s wasm copied to ort/ and no second copy', async () => {
    const dist = await buildPage();
    expect(readFileSync(path.join(dist, 'index.html'), 'utf8')).toContain('prunekit');
    expect(existsSync(path.join(dist, 'ort', 'ort-wasm-simd-threaded.wasm'))).toBe(true);
    expect(existsSync(path.join(dist, 'ort', 'ort-wasm-simd-threaded.mjs'))).toBe(true);
    const assets = readdirSync(path.join(dist, 'assets'));
    expect(assets.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    const worker = assets.find((f) => f.startsWith('worker-') && f.endsWith('.js'));
    expect(worker).toBeDefined();
    const code = readFileSync(path.join(dist, 'assets', worker!), 'utf8');
    expect(code).not.toMatch(/onnxruntime-node|from\s*["']node:/);
  });
});
