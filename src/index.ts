/** prunekit library entry. */
export * from './core/index.js';
export * from './io/index.js';
export * from './graph/index.js';
export * from './runtime/index.js';
export * from './graph/module-tree.js';
export * from './graph/checkpoint-summary.js';
export * from './prune/index.js';
export * from './graph/yaml-source.js';
export * from './graph/name-rules.js';
export * from './graph/deps/index.js';
export * from './prune/structured/index.js';
export * from './eval/index.js';
export * from './bench/index.js';
export * from './report/index.js';
export * from './prune/prune-checkpoint.js';
export * from './prune/prune-checkpoint-file.js';
