export * from './errors.js';
export * from './dtype.js';
export * from './half.js';
export * from './convert.js';
export * from './yaml.js';
export * from './format.js';
export * from './scalar.js';
export * from './collate.js';
