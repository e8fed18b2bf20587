/**
 * Hand-built frames in exactly the plugin contract's format (what the data source's summary and logs
 * queries return), for the panel and page tests.
 */
import { DataFrame, FieldType, createDataFrame } from '@grafana/data';

export interface TraceNodeRow {
  key: string;
  label: string;
  group: 'edge' | 'request' | 'response';
  phase: string;
  spanId: string;
  measured: boolean;
  colorIndex: number;
  durationNs: number;
}

export function traceLifecycleFrames(
  nodes: TraceNodeRow[],
  latency: Array<[string, string, number | null]>,
  traceId = 'a'.repeat(32)
): DataFrame[] {
  const col = <K extends keyof TraceNodeRow>(k: K) => nodes.map((n) => n[k]);
  return [
    createDataFrame({
      name: 'lifecycle',
      meta: { custom: { kind: 'trace', traceId, dialect: 'enterprise' } },
      fields: [
        { name: 'key', type: FieldType.string, values: col('key') },
        { name: 'label', type: FieldType.string, values: col('label') },
        { name: 'group', type: FieldType.string, values: col('group') },
        { name: 'phase', type: FieldType.string, values: col('phase') },
        { name: 'spanId', type: FieldType.string, values: col('spanId') },
        { name: 'measured', type: FieldType.boolean, values: col('measured') },
        { name: 'colorIndex', type: FieldType.number, values: col('colorIndex') },
        { name: 'durationNs', type: FieldType.number, values: col('durationNs') },
      ],
    }),
    createDataFrame({
      name: 'latency',
      fields: [
        { name: 'metric', type: FieldType.string, values: latency.map((l) => l[0]) },
        { name: 'label', type: FieldType.string, values: latency.map((l) => l[1]) },
        { name: 'valueMs', type: FieldType.number, values: latency.map((l) => l[2]) },
      ],
    }),
  ];
}

const edge = (key: string, label: string, durationNs: number, measured = true, colorIndex = 3): TraceNodeRow => ({
  key,
  label,
  group: 'edge',
  phase: '',
  spanId: '',
  measured,
  colorIndex,
  durationNs,
});

/** A Kong Enterprise-like trace: key-auth + rate-limiting in access, cors in header_filter, no client-read spans for clientIn. */
export function sampleTraceFrames(opts: { responsePlugins?: boolean } = {}): DataFrame[] {
  const nodes: TraceNodeRow[] = [
    edge('clientOut', 'client out', 52_000, true, 1),
    {
      key: 'access.key-auth',
      label: 'key-auth',
      group: 'request',
      phase: 'access',
      spanId: '1111111111111111',
      measured: true,
      colorIndex: 2,
      durationNs: 412_000,
    },
    {
      key: 'access.rate-limiting',
      label: 'rate-limiting',
      group: 'request',
      phase: 'access',
      spanId: '2222222222222222',
      measured: true,
      colorIndex: 3,
      durationNs: 2_300_000,
    },
    edge('upstreamIn', 'upstream in', 1_200_000),
    edge('upstreamOut', 'upstream out', 25_400_000, true, 4),
    ...(opts.responsePlugins === false
      ? []
      : [
          {
            key: 'header_filter.cors',
            label: 'cors',
            group: 'response' as const,
            phase: 'header_filter',
            spanId: '3333333333333333',
            measured: true,
            colorIndex: 1,
            durationNs: 31_000,
          },
        ]),
    edge('clientIn', 'client in', 0, false, 0),
  ];
  const latency: Array<[string, string, number | null]> = [
    ['total', 'Total', 29.46],
    ['internal', 'Kong (internal)', 3.04],
    ['upstream', 'Upstream', 26.35],
    ['thirdParty', '3rd-party', 2.1],
    ['thirdParty.dns', 'DNS', 0.04],
    ['thirdParty.httpClient', 'HTTP client', null],
    ['thirdParty.redis', 'Redis', 2.06],
    ['thirdParty.tcpSocket', 'TCP socket', null],
    ['client', 'Client', 0.07],
  ];
  return traceLifecycleFrames(nodes, latency);
}

/** A session summary: the same map aggregated over 42 traces. */
export function sampleSessionFrames(): DataFrame[] {
  const rows = [
    ['clientOut', 'client out', 'edge', '', 42, 50_000, 90_000, 120_000, 150_000, 1],
    ['access.key-auth', 'key-auth', 'request', 'access', 42, 400_000, 800_000, 950_000, 1_000_000, 2],
    ['upstreamIn', 'upstream in', 'edge', '', 42, 1_000_000, 3_000_000, 4_000_000, 5_000_000, 3],
    ['upstreamOut', 'upstream out', 'edge', '', 42, 20_000_000, 60_000_000, 90_000_000, 120_000_000, 4],
    ['clientIn', 'client in', 'edge', '', 0, 0, 0, 0, 0, 0],
  ] as const;
  const c = (i: number) => rows.map((r) => r[i]);
  return [
    createDataFrame({
      name: 'lifecycle',
      meta: { custom: { kind: 'session', sessionId: 's1', dialect: 'enterprise', traceCount: 42 } },
      fields: [
        { name: 'key', type: FieldType.string, values: c(0) },
        { name: 'label', type: FieldType.string, values: c(1) },
        { name: 'group', type: FieldType.string, values: c(2) },
        { name: 'phase', type: FieldType.string, values: c(3) },
        { name: 'spanId', type: FieldType.string, values: rows.map(() => '') },
        { name: 'measured', type: FieldType.boolean, values: rows.map((r) => r[4] > 0) },
        { name: 'colorIndex', type: FieldType.number, values: c(9) },
        { name: 'count', type: FieldType.number, values: c(4) },
        { name: 'p50Ns', type: FieldType.number, values: c(5) },
        { name: 'p95Ns', type: FieldType.number, values: c(6) },
        { name: 'p99Ns', type: FieldType.number, values: c(7) },
        { name: 'maxNs', type: FieldType.number, values: c(8) },
      ],
    }),
    createDataFrame({
      name: 'latency',
      fields: [
        { name: 'metric', type: FieldType.string, values: ['total', 'upstream'] },
        { name: 'label', type: FieldType.string, values: ['Total', 'Upstream'] },
        { name: 'p50Ms', type: FieldType.number, values: [25.04, 21.0] },
        { name: 'p95Ms', type: FieldType.number, values: [70.0, 61.0] },
        { name: 'p99Ms', type: FieldType.number, values: [99.94, 90.0] },
        { name: 'maxMs', type: FieldType.number, values: [130.0, 121.0] },
      ],
    }),
  ];
}

export interface LogLine {
  timeMs: number;
  body: string;
  severity: string;
  id: string;
  labels?: Record<string, unknown>;
  traceID?: string;
  spanID?: string;
  spanName?: string;
}

/** The dataplane log-lines frame, with the internal data links the data source puts on traceID/spanID. */
export function logsFrame(lines: LogLine[], dsUid = 'kongdbg'): DataFrame {
  return createDataFrame({
    name: 'logs',
    refId: 'A',
    meta: { type: 'log-lines' as never, preferredVisualisationType: 'logs' },
    fields: [
      { name: 'timestamp', type: FieldType.time, values: lines.map((l) => l.timeMs) },
      { name: 'body', type: FieldType.string, values: lines.map((l) => l.body) },
      { name: 'severity', type: FieldType.string, values: lines.map((l) => l.severity) },
      { name: 'id', type: FieldType.string, values: lines.map((l) => l.id) },
      { name: 'labels', type: FieldType.other, values: lines.map((l) => l.labels ?? {}) },
      {
        name: 'traceID',
        type: FieldType.string,
        values: lines.map((l) => l.traceID ?? ''),
        config: {
          links: [
            {
              title: 'Trace',
              url: '',
              internal: {
                datasourceUid: dsUid,
                datasourceName: 'Kong debugger',
                query: { refId: 'A', queryType: 'trace', traceId: '${__value.raw}' },
              },
            },
          ],
        },
      },
      {
        name: 'spanID',
        type: FieldType.string,
        values: lines.map((l) => l.spanID ?? ''),
        config: {
          links: [
            {
              title: 'Span',
              url: '',
              internal: {
                datasourceUid: dsUid,
                datasourceName: 'Kong debugger',
                query: { refId: 'A', queryType: 'trace', traceId: '${__data.fields.traceID}' },
                panelsState: { trace: { spanId: '${__value.raw}' } },
              },
            },
          ],
        },
      },
      { name: 'spanName', type: FieldType.string, values: lines.map((l) => l.spanName ?? '') },
    ],
  });
}
