/**
 * Node edge of the runtime seam: onnxruntime-node (native addon), loaded on first use so commands that never
 * run a model (inspect, prune) do not pay for loading it; sessions default to every core the process may use.
 * The web build replaces this module with web/src/edges/ort-web.ts (see web/vite.config.ts).
 */
import { availableParallelism } from 'node:os';
import type { OrtModule, RuntimeBackend } from './backend.js';

export const defaultBackend: RuntimeBackend = {
  name: 'onnxruntime-node',
  load: async () => (await import('onnxruntime-node')) as unknown as OrtModule,
  defaultThreads: () => availableParallelism(),
};
