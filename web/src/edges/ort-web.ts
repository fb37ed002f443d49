/**
 * Browser twin of src/runtime/ort-node.ts: the runtime seam's default module in the page is onnxruntime-web
 * (WebAssembly), its wasm files served by the page itself from ./ort/ (copied by the Vite build; no CDN).
 * Threads are used when the page is cross-origin isolated (SharedArrayBuffer available).
 */
import * as ort from 'onnxruntime-web/wasm';
import type { OrtModule, RuntimeBackend } from '../../../src/runtime/backend.js';

let configured = false;
let threads = 1;

/** Where the page serves onnxruntime-web's files (set by the worker from the page's URL before first use). */
export function configureOrtWeb(options: { wasmBase: string; threads: number }): void {
  ort.env.wasm.wasmPaths = options.wasmBase;
  ort.env.wasm.numThreads = options.threads;
  threads = options.threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  configured = true;
}

export const defaultBackend: RuntimeBackend = {
  name: 'onnxruntime-web',
  async load(): Promise<OrtModule> {
    if (!configured) throw new Error('onnxruntime-web is not configured: call configureOrtWeb first');
    return ort as unknown as OrtModule;
  },
  defaultThreads: () => threads,
};
