/**
 * Node edge of the runtime seam: onnxruntime-node (native addon), loaded on first use so commands that never
 * run a model (inspect, prune) do not pay for loading it. The web build replaces this module with
 * web/src/edges/ort-node.ts (see web/vite.config.ts), which refuses: the page selects onnxruntime-web.
 */
import type { OrtModule } from './backend.js';

export async function loadDefaultRuntime(): Promise<OrtModule> {
  return (await import('onnxruntime-node')) as unknown as OrtModule;
}
