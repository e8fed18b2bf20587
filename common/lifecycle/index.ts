export { colorIndex } from './color';
export { formatDuration } from './format';
export { latencyBreakdown } from './latency';
export { buildLifecycleMap } from './map';
export { analyzeTrace, traceSummary } from './summary';
export { percentiles } from './percentiles';
export { digestTrace, type TraceDigest } from './digest';
export { summarizeSession } from './session';
export { REQUEST_PHASES, RESPONSE_PHASES } from './phases';
