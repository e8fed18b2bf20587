/**
 * The REST API contract between the debugger server (server/) and the Grafana plugin (src/).
 * Both import these types; change them here only, and keep server and plugin in step.
 *
 * Conventions:
 * - Every path is under `/api/v1`.
 * - Trace and span ids are lowercase hex (32 and 16 chars), whatever form Kong sent.
 * - Absolute times are Unix nanoseconds as decimal strings (exact; ns do not fit a JS number),
 *   with a millisecond float beside them for convenience. Durations are numbers in ns.
 * - Lists are newest first and paged with an opaque `cursor`; `nextCursor` is absent on the
 *   last page.
 * - Errors are `ApiError` with a 4xx/5xx status.
 */

export type SessionStatus = 'pending' | 'in_progress' | 'completed' | 'timed_out' | 'cancelled';

export interface BasicRule {
  type: 'basic';
  /** A trace matches when its route id is one of these (or its service id is one of serviceIds). */
  routeIds?: string[];
  serviceIds?: string[];
}

export interface AdvancedRule {
  type: 'advanced';
  /** Kong's expressions (ATC) language over the sampler fields, e.g. `http.response.status_code >= 500`. */
  expression: string;
}

export type SamplingRule = BasicRule | AdvancedRule;

export interface CreateSessionRequest {
  name?: string;
  rule: SamplingRule;
  /** 10..1800 */
  durationSeconds: number;
  /** default 200 */
  maxTraces?: number;
  /** default false */
  captureLogs?: boolean;
}

export interface Session {
  id: string;
  name: string;
  /** the team (or Grafana org) the session belongs to; tokens see their own tenant only */
  tenant?: string;
  rule: SamplingRule;
  status: SessionStatus;
  durationSeconds: number;
  maxTraces: number;
  captureLogs: boolean;
  traceCount: number;
  logCount: number;
  /** ISO 8601 */
  createdAt: string;
  startedAt?: string;
  /** when it ended or will end (startedAt + duration while running) */
  endsAt?: string;
  endedAt?: string;
  /** how Kong was set up to trace for it (servers started with --kong-admin-url); see SessionTracing */
  tracing?: SessionTracing;
  /** the alert that started it (POST /api/v1/alerts/grafana or /alertmanager); absent for sessions started by hand */
  alert?: SessionAlert;
  /**
   * Who started it: the Grafana user (login) when the call came through Grafana's data source proxy with
   * `send_user_header` on, else the API token's name
   */
  createdBy?: string;
}

/** The alert a session was started for, as its webhook sent it. */
export interface SessionAlert {
  source: 'grafana' | 'alertmanager';
  /** the `alertname` label */
  name: string;
  /** the alert's fingerprint (hash of its labels): one running session per fingerprint; `GET /api/v1/sessions?alert=` */
  fingerprint: string;
  labels: Record<string, string>;
  /** when the alert started firing (ISO 8601) */
  startsAt?: string;
  /** the alert rule (Grafana) or the Prometheus expression page (Alertmanager) */
  generatorURL?: string;
  /**
   * Grafana-managed rules: the rule's uid, read from generatorURL (`…/alerting/grafana/<uid>/view`). An alert
   * instance in Grafana's UI knows its rule's uid and labels but not the fingerprint (computed over labels the UI
   * hides), so `GET /api/v1/sessions?alertRule=<uid>` is how the "Debug in Kong Debugger" link finds its session.
   */
  ruleUid?: string;
  /** Grafana: the dashboard and panel the rule is linked to */
  dashboardURL?: string;
  panelURL?: string;
}

/**
 * What an alert webhook did with each alert of the payload, in payload order. `started`: a new session;
 * `already_running`: its fingerprint has a running session (a repeat or a group re-notification);
 * `resolved`: resolved alerts start nothing; `refused`: nothing started, `reason` says why and what to change.
 */
export type AlertOutcome =
  | { fingerprint: string; alertname: string; outcome: 'started' | 'already_running'; sessionId: string }
  | { fingerprint: string; alertname: string; outcome: 'resolved' }
  | { fingerprint: string; alertname: string; outcome: 'refused'; reason: string };

/** POST /api/v1/alerts/grafana and /api/v1/alerts/alertmanager */
export interface AlertWebhookResponse {
  results: AlertOutcome[];
}

/**
 * Kong in the loop: which opentelemetry plugin set-up the server applied in Kong for a session.
 * `route-scoped` / `service-scoped`: a plugin instance on the rule's routes or services; `global`: one on the
 * whole gateway (advanced rules not limited to routes/services); `unmanaged`: nothing changed in Kong (none
 * configured, DB-less, no permission, unreachable): the session only sees what Kong already exports.
 */
export type TracingMode = 'route-scoped' | 'service-scoped' | 'global' | 'unmanaged';

export interface SessionTracing {
  mode: TracingMode;
  gateways: Array<{
    gateway: string;
    mode: TracingMode;
    /** the scopes traced on this gateway */
    scopes: Array<{ scope: 'route' | 'service' | 'global'; id?: string; name?: string }>;
    /** why this gateway is unmanaged, when it is */
    reason?: string;
  }>;
  /** what this set-up cannot guarantee to capture (traffic outside the plugin's reach) */
  notCaptured: string[];
  /** why the set-up is not (fully) applied, and what to do */
  message?: string;
  /** when unmanaged: the plugin configuration to add by hand, as declarative config (YAML) */
  manualConfig?: string;
  updatedAt: string;
}

export interface SessionList {
  sessions: Session[];
}

/** One row of a session's trace list: what the table needs, from the root span. */
export interface TraceListItem {
  traceId: string;
  /** root span start, Unix ns as a string */
  startTimeUnixNano: string;
  startTimeMs: number;
  durationNs: number;
  method?: string;
  /** request path (no query string) */
  path?: string;
  url?: string;
  host?: string;
  /** status Kong sent to the client */
  statusCode?: number;
  upstreamStatusCode?: number;
  routeId?: string;
  serviceId?: string;
  consumerId?: string;
  clientAddress?: string;
  /**
   * Kong's request id: the value Kong returns to the client in `X-Kong-Request-Id` (3.5+), from the root's
   * `proxy.kong.request.id` (Konnect debugger spans) or `kong.request.id` (opentelemetry plugin)
   */
  requestId?: string;
  /**
   * The request failed, by OpenTelemetry's HTTP server semantics (common/spans/outcome.ts): a 5xx,
   * no answer from the upstream, a plugin's Lua error, or the client aborted. A 4xx is not an
   * error, and neither is a retry that recovered.
   */
  error: boolean;
  /** spans with an error status or an `exception` event (a failed DNS lookup, a failed try, a router miss...), whatever the request's outcome */
  spanErrorCount?: number;
  spanCount: number;
  /** Kong version dialect the spans came from */
  dialect: 'enterprise' | 'oss';
  latency: LatencyBreakdown;
}

export interface TraceList {
  traces: TraceListItem[];
  nextCursor?: string;
}

export interface TraceQueryFilters {
  /** exact code, e.g. 503, or a class like "5xx", or a range "500-599" */
  status?: string;
  minDurationMs?: number;
  method?: string;
  /** prefix match on the request path */
  path?: string;
  routeId?: string;
  serviceId?: string;
  errorsOnly?: boolean;
  /** traces with at least one span-level error (`spanErrorCount > 0`), failed or not */
  spanErrorsOnly?: boolean;
  /** Unix ms bounds on the trace start */
  from?: number;
  to?: number;
  limit?: number;
  cursor?: string;
}

/**
 * `GET /api/v1/traces`: the caller's tenant's traces across its sessions, newest first. The session list's filters
 * plus what a user may know of one request.
 */
export interface TraceSearchFilters extends TraceQueryFilters {
  /** Kong's request id (`X-Kong-Request-Id`) */
  requestId?: string;
  /** 32 hex characters (the base64 of 16 bytes is accepted by the API) */
  traceId?: string;
  consumerId?: string;
  /** the client's address as Kong reported it (exact) */
  clientAddress?: string;
  host?: string;
  /** status the upstream answered Kong: a code, a class ("5xx") or a range, as `status` */
  upstreamStatus?: string;
  /** span attributes that must all be found on some span of the trace, value compared as text (`attr.<key>=<value>`) */
  attributes?: Record<string, string>;
}

/** one row of a trace search: a trace list row and the sessions (of the caller's tenant) that hold it */
export interface TraceSearchItem extends TraceListItem {
  sessionIds: string[];
}

export interface TraceSearchResult {
  traces: TraceSearchItem[];
  /** pass it back as `cursor` for the next page; absent when nothing older matches */
  nextCursor?: string;
  /**
   * Set when the search stopped at its scan bound (a set number of traces examined a request) before the page was
   * full: older traces may still match; `nextCursor` continues from where it stopped.
   */
  partial?: true;
}

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
/** A span's, log record's or resource's attributes by key. */
export type Attributes = Record<string, AttributeValue>;

export interface SpanEvent {
  name: string;
  timeUnixNano: string;
  timeMs: number;
  attributes: Record<string, AttributeValue>;
}

export interface Span {
  traceId: string;
  spanId: string;
  /** '' for a root */
  parentSpanId: string;
  name: string;
  /** OTLP kind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  startTimeMs: number;
  durationNs: number;
  attributes: Record<string, AttributeValue>;
  events: SpanEvent[];
  /** OTLP status code: 0 unset, 1 ok, 2 error */
  statusCode: number;
  statusMessage?: string;
}

export interface TraceDetail {
  traceId: string;
  resource: Record<string, AttributeValue>;
  scope?: { name: string; version?: string };
  spans: Span[];
}

/** Milliseconds from the root span's attributes; absent when Kong did not send them (OSS). */
export interface LatencyBreakdown {
  totalMs?: number;
  internalMs?: number;
  upstreamMs?: number;
  thirdParty?: {
    totalMs?: number;
    dnsMs?: number;
    httpClientMs?: number;
    redisMs?: number;
    tcpSocketMs?: number;
  };
  clientMs?: number;
}

export type PluginPhase = 'certificate' | 'rewrite' | 'access' | 'response' | 'header_filter' | 'body_filter';

export interface LifecyclePluginNode {
  /** stable key: `<phase>.<plugin>`; the same plugin in two phases is two nodes */
  key: string;
  plugin: string;
  phase: PluginPhase;
  spanId: string;
  startTimeUnixNano: string;
  /** the plugin's own time: span duration minus client-read time nested in it */
  durationNs: number;
  /** log10 colour index 0..6: floor(log10(ns)) - 3, clamped */
  colorIndex: number;
}

/**
 * How one upstream try ended. `timeout` / `error` are what nginx recorded for a failed try (OSS: the
 * 504 / 502 Kong puts on that try's `kong.balancer` span; Enterprise: the attempt's exception);
 * `refused` is only told apart from other connection errors where Kong says so (Enterprise's
 * exception message). `http_error`: the try ended with an HTTP status Kong treats as a failure.
 * `answered`: the upstream's response was read. `aborted`: the client went away first.
 */
export type UpstreamTryOutcome = 'answered' | 'timeout' | 'refused' | 'error' | 'http_error' | 'aborted' | 'unknown';

/** One balancer try (OSS `kong.balancer`, Enterprise `kong.find_upstream`), in try order. */
export interface UpstreamTryNode {
  tryCount: number;
  spanId: string;
  startTimeUnixNano: string;
  /** ip:port Kong connected to */
  target?: string;
  /** the upstream host name (`net.peer.name`, `network.peer.name`, Enterprise 3.12+ `peer.service`) */
  peerName?: string;
  outcome: UpstreamTryOutcome;
  /** the status Kong recorded on this try (for a failed try nginx's own 502/504, not an upstream answer) */
  statusCode?: number;
  /** the try span's own duration (OSS: Lua balancer + connect only; the wait for a timeout is not in it) */
  spanDurationNs: number;
  /** upstream time spent on this try: from its start to the next try's start (the last: to the end of the upstream exchange), response-plugin time left out */
  durationNs: number;
  colorIndex: number;
}

/** A sentence the map shows at one place, e.g. which work open-source Kong does not span. */
export interface LifecycleNote {
  at: 'clientOut' | 'requestPlugins' | 'upstreamIn' | 'upstreamOut' | 'responsePlugins' | 'clientIn' | 'total';
  text: string;
}

export interface LifecycleEdge {
  durationNs: number;
  colorIndex: number;
  /** false when no span existed to measure it (e.g. OSS traces have no client-read spans) */
  measured: boolean;
}

/**
 * Konnect's Summary lifecycle map:
 * client -> clientOut -> requestPlugins -> upstreamIn -> upstream -> upstreamOut -> responsePlugins -> clientIn -> client
 */
export interface LifecycleMap {
  clientOut: LifecycleEdge;
  requestPlugins: LifecyclePluginNode[];
  upstreamIn: LifecycleEdge;
  upstreamOut: LifecycleEdge;
  responsePlugins: LifecyclePluginNode[];
  clientIn: LifecycleEdge;
  /** `enterprise`: Konnect debugger spans; `oss`: derived from the OSS opentelemetry plugin's spans */
  dialect: 'enterprise' | 'oss';
  /** the upstream tries between upstream in and upstream out (absent: nothing was sent upstream) */
  tries?: UpstreamTryNode[];
  /** where the map cannot show work (phases the dialect does not span), or how a number was derived */
  notes?: LifecycleNote[];
}

/** What Kong's data proves about the upstream's side of the request. */
export type UpstreamOutcome = 'answered' | 'no_answer' | 'not_proxied' | 'unknown';

export interface TraceSummary {
  traceId: string;
  startTimeUnixNano: string;
  startTimeMs: number;
  statusCode?: number;
  /** only when Kong reported it (Enterprise `proxy.kong.upstream.status_code`); never guessed: absent = unknown */
  upstreamStatusCode?: number;
  /** 'unknown' when Kong's spans do not prove either way (open-source Kong never reports the upstream's status) */
  upstreamOutcome?: UpstreamOutcome;
  /** the request failed (TraceListItem.error) and why */
  failed?: boolean;
  failure?: 'server_error' | 'no_upstream_answer' | 'plugin_error' | 'client_abort';
  spanErrorCount?: number;
  /** what identifies the request's route: `http.route`, else host + path; never empty */
  route?: string;
  latency: LatencyBreakdown;
  lifecycle: LifecycleMap;
}

export interface Percentiles {
  count: number;
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
  maxNs: number;
}

/** Per lifecycle node, across all of a session's traces. Keys of `nodes`: 'clientOut', 'upstreamIn',
 *  'upstreamOut', 'clientIn', and each plugin node's key (`access.key-auth`). */
export interface SessionSummary {
  sessionId: string;
  traceCount: number;
  latency: { totalMs?: Percentiles; internalMs?: Percentiles; upstreamMs?: Percentiles; thirdPartyMs?: Percentiles; clientMs?: Percentiles };
  nodes: Record<string, Percentiles & { label: string; group: 'edge' | 'request' | 'response'; phase?: PluginPhase }>;
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'crit' | 'alert' | 'emerg' | 'unknown';

export interface LogRecord {
  id: string;
  sessionId: string;
  timeUnixNano: string;
  timeMs: number;
  /** normalised level; `severityText` keeps what Kong sent (ERR, NOTICE, ...) */
  level: LogLevel;
  severityNumber: number;
  severityText?: string;
  body: AttributeValue;
  attributes: Record<string, AttributeValue>;
  traceId?: string;
  spanId?: string;
  /** name of the span the record points at, when that span is stored */
  spanName?: string;
}

export interface LogList {
  logs: LogRecord[];
  nextCursor?: string;
  /** trace-wide logs (`/api/v1/traces/:traceId/logs`): the session the page comes from */
  sessionId?: string;
}

export interface LogQueryFilters {
  traceId?: string;
  spanId?: string;
  /** one level or a comma list */
  level?: string;
  from?: number;
  to?: number;
  limit?: number;
  cursor?: string;
}

export interface ExpressionError {
  message: string;
  /** 0-based character offsets into the expression, end exclusive */
  start: number;
  end: number;
}

export interface ValidateExpressionResponse {
  valid: boolean;
  errors: ExpressionError[];
}

export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  /** rule errors, when the failure is a bad expression */
  errors?: ExpressionError[];
}

export interface Health {
  status: 'ok';
  version: string;
  store: 'sqlite' | 'postgres';
  uptimeSeconds: number;
  runningSessions: number;
  /** the Kong gateways given with --kong-admin-url, as their Admin API last answered */
  kong?: KongGatewayHealth[];
}

export interface KongGatewayHealth {
  name: string;
  /** the Admin API's address: shown only to callers with a reader's token (health itself is open) */
  url?: string;
  workspace?: string;
  reachable: boolean;
  version?: string;
  /** kong.conf `database`: `postgres`, or `off` (DB-less / declarative, and every data plane) */
  database?: string;
  /** kong.conf `role`: traditional, control_plane, data_plane */
  role?: string;
  tracingInstrumentations?: string;
  tracingSamplingRate?: number;
  /** why sessions cannot change this Kong's plugins (they run unmanaged there); absent: writes are tried */
  readOnlyReason?: string;
  /** the last failure talking to it */
  error?: string;
  checkedAt?: string;
  entitiesSyncedAt?: string;
}

/** A route, service or consumer for pickers and names: from Kong's Admin API, or only seen in traffic. */
export interface EntityInfo {
  id: string;
  name?: string;
  /** the gateway it was read from (absent: only seen in traffic) */
  gateway?: string;
  paths?: string[];
  hosts?: string[];
  methods?: string[];
  expression?: string;
  serviceId?: string;
  tags?: string[];
  /** last seen in traffic, Unix ms */
  lastSeenMs?: number;
}

/** GET /api/v1/entities */
export interface EntityList {
  routes: EntityInfo[];
  services: EntityInfo[];
  consumers: EntityInfo[];
}

/** Trace analyses (compare, abnormal steps, statistics) and uploads: shapes in common/analysis/types.ts. */
export type { NodeComparison, NodeStanding, SpanStatisticsRow, TraceComparison, TraceStanding, TraceStatistics, UploadResult } from './analysis/types';

/**
 * GET /api/v1/sessions/{id}/stream (text/event-stream): each event's `event:` name and its `data:` JSON. Every
 * event carries an `id:` (the stream position); reconnecting with Last-Event-ID (or `?since=`) resumes after it.
 * `status` comes first (the session now), again on every change, and last when the session ends (then the
 * server closes the stream); `deleted` ends it when the session is deleted.
 */
export interface LiveEvents {
  traces: { traces: TraceListItem[] };
  logs: { logs: LogRecord[] };
  status: Session;
  deleted: { id: string };
}
export type LiveEventName = keyof LiveEvents;
