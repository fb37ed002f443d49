export { checkChannelConsistency } from './check.js';
export type { ConsistencyReport } from './check.js';
export { analyzeChannels, traceChannels, groupChannels, detectHeadPath } from './trace.js';
export type { TraceOptions } from './trace.js';
export type { Barrier, ChannelMember, ChannelRoot, ChannelTrace, DependencyGraph, DependencyGroup, MemberRole, NodeEdit } from './types.js';
