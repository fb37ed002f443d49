/**
 * The dispatch point from an `--arch` path to a ClassSource (the I/O edge). One loader per file kind: a model
 * yaml, or a `.pt` checkpoint's module tree (graph/module-tree.ts). A new kind = one more loader in LOADERS.
 */
import { readInputFile } from './onnx-file.js';
import { UsageError } from '../core/errors.js';
import type { ClassSource } from '../graph/index.js';
import { classSourceFromCheckpointBytes } from '../graph/module-tree.js';
import { parseModelYaml, yamlClassSource } from '../graph/yaml-source.js';

export interface ClassSourceLoader {
  /** What the loader reads, for messages (`model yaml (.yaml/.yml)`). */
  what: string;
  accepts(file: string): boolean;
  load(file: string): Promise<ClassSource>;
}

const yamlLoader: ClassSourceLoader = {
  what: 'Ultralytics model yaml (.yaml, .yml)',
  accepts: (file) => /\.ya?ml$/i.test(file),
  async load(file) {
    const bytes = await readInputFile(file, 'model yaml');
    return yamlClassSource(parseModelYaml(new TextDecoder().decode(bytes), file), file);
  },
};

const ptLoader: ClassSourceLoader = {
  what: 'Ultralytics checkpoint (.pt, .pth: the module class tree, read without executing the pickle)',
  accepts: (file) => /\.pth?$/i.test(file),
  async load(file) {
    return classSourceFromCheckpointBytes(await readInputFile(file, 'checkpoint'), file);
  },
};

/** Loaders tried in order; the first that accepts the path loads it. */
export const LOADERS: ClassSourceLoader[] = [yamlLoader, ptLoader];

/** Load the class source an `--arch` path names. UsageError when no loader takes the file kind. */
export async function loadClassSource(file: string): Promise<ClassSource> {
  const loader = LOADERS.find((l) => l.accepts(file));
  if (!loader) {
    throw new UsageError(`--arch ${file}: unsupported architecture file; give one of: ${LOADERS.map((l) => l.what).join('; ')}`, file);
  }
  return loader.load(file);
}
