export { createSession, prepareFeeds } from './session.js';
export type { GraphOptimization, IoSpec, PreparedFeeds, RuntimeSession, SessionOptions } from './session.js';
