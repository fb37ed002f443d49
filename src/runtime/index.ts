export { createSession, defaultThreads, prepareFeeds } from './session.js';
export type { GraphOptimization, IoSpec, PreparedFeeds, RuntimeSession, SessionOptions } from './session.js';
export { verifyRuns } from './verify.js';
export type { VerifiedOutput, VerifyOptions, VerifyResult } from './verify.js';
export { collectActivations, withIntermediateOutputs } from './activations.js';
export type { ActivationOptions, ActivationProgress, ActivationRun } from './activations.js';
export { collectChannelMoments, withChannelMoments } from './moments.js';
export type { ImageMoments } from './moments.js';
