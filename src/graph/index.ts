export type { ClassSource, ClassSourceKind } from './class-source.js';
