/**
 * Backend-shaped test data built from the shared Kong fixtures (/work/shared/fixtures, at ../shared from the repo
 * root): the OSS trace as TraceDetail (via common/spans/testing), its logs as LogRecord[], and the summaries the
 * server computes with common/lifecycle. Test-only; never imported by the plugin bundle.
 */
import fs from 'fs';
import path from 'path';
import type { LogLevel, LogRecord, Session, TraceDetail, TraceListItem } from '../../../common/api';
import { anyValue, enterpriseTraceFixture, otlpJsonToDetails } from '../../../common/spans/testing';
import { traceFacts } from '../../../common/spans';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures');

function readJson(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/** The OSS fixture trace as the API's TraceDetail (one resource/scope in the fixture). */
export function ossTrace(): TraceDetail {
  const details = otlpJsonToDetails(readJson('kong-trace.otlp.json'));
  const [first] = details;
  return { ...first, spans: details.flatMap((d) => d.spans) };
}

export function enterpriseTrace(): TraceDetail {
  return enterpriseTraceFixture();
}

const LEVEL_BY_TEXT: Record<string, LogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  NOTICE: 'notice',
  WARN: 'warn',
  WARNING: 'warn',
  ERR: 'error',
  ERROR: 'error',
  CRIT: 'crit',
  ALERT: 'alert',
  EMERG: 'emerg',
};

/** OTel severity number ranges → Kong-ish levels, for records without a severity text. */
function levelOf(text: string | undefined, num: number): LogLevel {
  if (text && LEVEL_BY_TEXT[text.toUpperCase()]) {
    return LEVEL_BY_TEXT[text.toUpperCase()];
  }
  if (num >= 21) {
    return 'crit';
  }
  if (num >= 17) {
    return 'error';
  }
  if (num >= 13) {
    return 'warn';
  }
  if (num >= 9) {
    return 'info';
  }
  if (num >= 1) {
    return 'debug';
  }
  return 'unknown';
}

interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  attributes?: Array<{ key: string; value: unknown }>;
  traceId?: string;
  spanId?: string;
}

/** The fixture's log records as the API returns them (oldest first, like the fixture; the frame sorts). */
export function ossLogs(sessionId: string, trace: TraceDetail = ossTrace()): LogRecord[] {
  const json = readJson('kong-logs.otlp.json') as {
    resourceLogs: Array<{ scopeLogs: Array<{ logRecords: OtlpLogRecord[] }> }>;
  };
  const spanNames = new Map(trace.spans.map((s) => [s.spanId, s.name]));
  const records = json.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
  return records.map((r, i) => {
    const timeUnixNano = r.timeUnixNano || r.observedTimeUnixNano || '0';
    const attributes = Object.fromEntries((r.attributes ?? []).map((a) => [a.key, anyValue(a.value, `log ${i} ${a.key}`)]));
    const spanId = r.spanId ? r.spanId.toLowerCase() : undefined;
    return {
      id: `log-${i}`,
      sessionId,
      timeUnixNano,
      timeMs: Number(BigInt(timeUnixNano) / BigInt(1000)) / 1000,
      level: levelOf(r.severityText, r.severityNumber ?? 0),
      severityNumber: r.severityNumber ?? 0,
      severityText: r.severityText,
      body: r.body === undefined ? '' : anyValue(r.body, `log ${i} body`),
      attributes,
      traceId: r.traceId ? r.traceId.toLowerCase() : undefined,
      spanId,
      spanName: spanId ? spanNames.get(spanId) : undefined,
    };
  });
}

export function traceListItem(trace: TraceDetail): TraceListItem {
  return { traceId: trace.traceId, ...traceFacts(trace.spans) };
}

export function session(overrides: Partial<Session> = {}): Session {
  return {
    id: 'sess-1',
    name: 'checkout 5xx',
    rule: { type: 'advanced', expression: 'http.response.status_code >= 500' },
    status: 'in_progress',
    durationSeconds: 300,
    maxTraces: 200,
    captureLogs: true,
    traceCount: 2,
    logCount: 5,
    createdAt: '2025-07-01T10:15:00.000Z',
    startedAt: '2025-07-01T10:15:01.000Z',
    endsAt: '2025-07-01T10:20:01.000Z',
    ...overrides,
  };
}
