export { compareTraces, compareNodes, spanDifferences, SPAN_DIFFERENCES, type CompareInput } from './compare';
export { mapNodes } from './nodes';
export { traceStanding, MIN_SAMPLES, type StandingInput } from './standing';
export { traceStatistics } from './statistics';
export { typicalTrace, type TypicalCandidate } from './typical';
export type {
  ComparedTrace,
  LatencyComparison,
  LatencyMetric,
  MapNodeValue,
  NodeBaseline,
  NodeComparison,
  NodeGroup,
  NodeStanding,
  SpanDifference,
  SpanStatisticsRow,
  TraceComparison,
  TraceStanding,
  TraceStatistics,
  UploadResult,
} from './types';
