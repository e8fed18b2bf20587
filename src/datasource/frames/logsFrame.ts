import { createDataFrame, DataFrameType, FieldType, type DataFrame } from '@grafana/data';
import type { LogRecord } from '../../../common/api';
import { compareNs } from './traceFrame';
import { displayValue, internalLink, linkRange, nanosWithinMs, type DsRef } from './links';

export interface LogsFrameOptions {
  ds: DsRef;
  refId?: string;
  sessionId?: string;
  /** the page size asked for: Grafana's logs views say "limit reached" when a page is full */
  limit?: number;
  /** where the next (older) page starts, when there is one: the app's "load older" passes it back as `cursor` */
  nextCursor?: string;
}

/** The body as text; a record without a body shows as an empty line, not as `""`. */
export function bodyText(record: Pick<LogRecord, 'body'>): string {
  if (record.body === null || record.body === undefined) {
    return '';
  }
  return typeof record.body === 'string' ? record.body : JSON.stringify(record.body);
}

/**
 * Kong log records as a dataplane `log-lines` frame (Explore's logs view, the Logs panel, our debuglogs panel),
 * newest first. `severity` is the backend's normalised Kong level (debug, info, notice, warn, error, crit, alert,
 * emerg, unknown), which Grafana maps onto its own levels. traceID/spanID/spanName are null when a record has none:
 * Grafana draws no link on a null value, where '' would make a dead "View trace" link.
 */
export function buildLogsFrame(records: LogRecord[], opts: LogsFrameOptions): DataFrame {
  const rows = [...records].sort((a, b) => compareNs(b.timeUnixNano, a.timeUnixNano));
  const sessionId = opts.sessionId;

  // the records' times: each linked trace ran around its records
  const range = linkRange(rows.filter((r) => r.traceId).map((r) => r.timeMs));
  const traceLink = internalLink(opts.ds, 'View trace', { queryType: 'trace', traceId: '${__value.raw}', sessionId }, { range });
  const spanLink = internalLink(
    opts.ds,
    'View span in trace',
    { queryType: 'trace', traceId: '${__data.fields.traceID}', sessionId },
    { panelsState: { trace: { spanId: '${__value.raw}' } }, range }
  );

  return createDataFrame({
    name: 'logs',
    refId: opts.refId,
    meta: {
      type: DataFrameType.LogLines,
      typeVersion: [0, 0],
      preferredVisualisationType: 'logs',
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      custom: { sessionId: sessionId ?? null, nextCursor: opts.nextCursor ?? null },
    },
    fields: [
      {
        name: 'timestamp',
        type: FieldType.time,
        values: rows.map((r) => r.timeMs),
        // Kong stamps logs in ns; keep the sub-ms part so lines of one request keep their order.
        nanos: rows.map((r) => nanosWithinMs(r.timeUnixNano)),
      },
      { name: 'body', type: FieldType.string, values: rows.map(bodyText) },
      { name: 'severity', type: FieldType.string, values: rows.map((r) => r.level) },
      { name: 'id', type: FieldType.string, values: rows.map((r) => r.id) },
      { name: 'labels', type: FieldType.other, values: rows.map(labelsOf) },
      { name: 'traceID', type: FieldType.string, values: rows.map((r) => r.traceId || null), config: { links: [traceLink] } },
      { name: 'spanID', type: FieldType.string, values: rows.map((r) => r.spanId || null), config: { links: [spanLink] } },
      { name: 'spanName', type: FieldType.string, values: rows.map((r) => r.spanName || null) },
    ],
  });
}

/** Record attributes as labels (string-ish values), plus Kong's original severity text, which `severity` normalises away. */
function labelsOf(record: LogRecord): Record<string, string | number | boolean> {
  const labels: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(record.attributes)) {
    labels[key] = displayValue(value);
  }
  if (record.severityText) {
    labels['severity_text'] = record.severityText;
  }
  return labels;
}
