/**
 * The app pages draw summaries with the panel's component. They go through the data source's own frame
 * builders and the panel's frame reader, so pages, panels and Explore all share one conversion path.
 */
import type { LogRecord, SessionSummary, TraceSummary } from '../../common/api';
import { buildLogsFrame } from '../datasource/frames/logsFrame';
import { buildSessionSummaryFrames, buildTraceSummaryFrames } from '../datasource/frames/summaryFrames';
import { LogsReadResult, readLogsFrame } from '../panels/debuglogs/model';
import { ReadResult, readLifecycleFrames } from '../panels/lifecyclemap/model';

export function traceSummaryView(summary: TraceSummary): ReadResult {
  return readLifecycleFrames(buildTraceSummaryFrames(summary, 'summary'));
}

export function sessionSummaryView(summary: SessionSummary): ReadResult {
  return readLifecycleFrames(buildSessionSummaryFrames(summary, 'summary'));
}

export function logsModel(records: LogRecord[], ds: { uid: string; name: string }, sessionId: string): LogsReadResult {
  return readLogsFrame([buildLogsFrame(records, { ds, sessionId, refId: 'logs' })]);
}
