export { findRoot, isNullParent, isCertainRoot, isRequestRoot, type RootCandidate } from './root';
export { canonicalSpanName, parsePluginSpan } from './names';
export { getAttr, numberAttr, stringAttr } from './attributes';
export { detectDialect } from './dialect';
export { requestIdOf, traceFacts, type TraceFacts } from './facts';
export { mergeSpans } from './merge';
export { nsToMs } from './time';
export { requestFailure, isSpanError, spanErrorCount, type Failure } from './outcome';
