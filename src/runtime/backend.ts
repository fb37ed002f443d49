/**
 * The runtime seam's backend: which onnxruntime build runs sessions. Both builds (onnxruntime-node, a native
 * addon, and onnxruntime-web, WebAssembly) expose the same API (onnxruntime-common's `InferenceSession` and
 * `Tensor`), so the session code is written once against that API and the backend is chosen at the edge:
 * Node uses onnxruntime-node by default (ort-node.ts); the web build swaps that module for its onnxruntime-web
 * twin, and {@link useRuntimeBackend} selects another backend at run time.
 */
import type * as Ort from 'onnxruntime-common';
import { defaultBackend } from './ort-node.js';

/** The part of an onnxruntime module prunekit uses (identical in onnxruntime-node and onnxruntime-web). */
export interface OrtModule {
  InferenceSession: typeof Ort.InferenceSession;
  Tensor: typeof Ort.Tensor;
}

export interface RuntimeBackend {
  /** 'onnxruntime-node' or 'onnxruntime-web' (shown in messages and reports). */
  readonly name: string;
  /** Load the module (once; later calls return the same module). */
  load(): Promise<OrtModule>;
  /** Intra-op threads of a session created without a count. */
  defaultThreads(): number;
}

let backend: RuntimeBackend = defaultBackend;
let loaded: OrtModule | undefined;

/** Choose the onnxruntime build for every session created from now on. */
export function useRuntimeBackend(next: RuntimeBackend): void {
  backend = next;
  loaded = undefined;
}

/** The backend in use. */
export function runtimeBackend(): RuntimeBackend {
  return backend;
}

/** Load (on first use) the backend's module. */
export async function loadRuntime(): Promise<OrtModule> {
  loaded ??= await backend.load();
  return loaded;
}

/** The loaded module (a session must have been created first). */
export function loadedRuntime(): OrtModule {
  if (!loaded) throw new Error(`${backend.name} is not loaded yet: create a session before preparing feeds`);
  return loaded;
}
