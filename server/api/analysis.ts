import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { zipSync, strToU8 } from 'fflate';
import type { ApiError, LogRecord, Span, TraceDetail } from '../../common/api';
import { compareTraces, mapNodes, traceStanding, traceStatistics, typicalTrace, type TypicalCandidate } from '../../common/analysis';
import type { TraceComparison } from '../../common/analysis/types';
import { traceSummary } from '../../common/lifecycle';
import type { TraceDigest } from '../../common/lifecycle/digest';
import type { AuditLog } from '../audit/audit';
import { need } from '../auth/hooks';
import { actorOf } from './audited';
import { encodeLogsJson, encodeTraceJson } from '../otlp/encode-json';
import { tenantOf } from '../sessions/manager';
import type { Store, StoredTrace } from '../store/types';
import { UploadError } from '../uploads/parse';
import { parseUploadOffThread } from '../uploads/parse-in-worker';
import { storeUpload, UploadConflictError } from '../uploads/store-upload';
import { BadRequestError, normaliseTraceId } from './params';

/** Largest uploaded file, bytes (the rest of the API takes 1 MiB bodies). */
export const UPLOAD_MAX_BYTES = 16 * 1024 * 1024;
/** Traces read per page when collecting a route's traces, and at most this many pages. */
const PAGE = 1000;
const MAX_PAGES = 100;

export interface AnalysisDeps {
  store: Store;
  audit: AuditLog;
}

class NotFound extends Error {}

/**
 * Trace analyses and transfer under /api/v1 (README "Compare, abnormal steps, statistics, download and
 * upload"): compare two traces or a trace with its typical one, abnormal steps, per-trace statistics,
 * export as OTLP/JSON or zip, and upload. Every trace is looked up through the caller's tenant: a trace
 * no session of the tenant holds is "not found".
 */
export function registerAnalysisRoutes(app: FastifyInstance, deps: AnalysisDeps): void {
  const { store, audit } = deps;

  /** the sessions of `tenant` holding the trace; NotFound when there are none */
  async function visibleSessions(traceId: string, tenant: string): Promise<string[]> {
    const ids: string[] = [];
    for (const id of await store.sessionsOfTrace(tenant, traceId)) {
      const s = await store.getSession(id);
      if (s && tenantOf(s) === tenant) ids.push(id);
    }
    if (ids.length === 0) throw new NotFound(`no stored trace with id ${traceId}`);
    return ids;
  }

  /** spans and row of a visible trace of the tenant */
  async function loadTrace(traceId: string, tenant: string): Promise<{ spans: Span[]; row: StoredTrace; sessionIds: string[] }> {
    const sessionIds = await visibleSessions(traceId, tenant);
    const [spans, row] = await Promise.all([store.getSpans(tenant, traceId), store.getTraceRow(tenant, traceId)]);
    if (!row || spans.length === 0) throw new NotFound(`no stored trace with id ${traceId}`);
    return { spans, row, sessionIds };
  }

  /** `sessionId` from the query when the trace is in it, else the first of the tenant's sessions holding it */
  function pickSession(q: Record<string, unknown>, sessionIds: string[], traceId: string): string {
    const wanted = q.sessionId;
    if (wanted === undefined || wanted === '') return sessionIds[0];
    if (typeof wanted !== 'string') throw new BadRequestError('query parameter "sessionId" must be given once');
    if (!sessionIds.includes(wanted)) throw new NotFound(`trace ${traceId} is not in session "${wanted}"`);
    return wanted;
  }

  /** the session's traces of one route (ids, totals and starts), paging through the trace list */
  async function routeTraces(sessionId: string, routeId: string): Promise<TypicalCandidate[]> {
    const out: TypicalCandidate[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await store.listTraces(sessionId, { routeId, limit: PAGE, ...(cursor ? { cursor } : {}) });
      for (const t of r.traces) out.push({ traceId: t.traceId, totalMs: t.latency?.totalMs, startTimeMs: t.startTimeMs });
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return out;
  }

  async function compareWith(a: string, b: string, tenant: string): Promise<TraceComparison> {
    const [x, y] = await Promise.all([loadTrace(a, tenant), loadTrace(b, tenant)]);
    return compareTraces({ summary: traceSummary(a, x.spans), spans: x.spans, sessionIds: x.sessionIds }, { summary: traceSummary(b, y.spans), spans: y.spans, sessionIds: y.sessionIds });
  }

  app.get<{ Params: { a: string; b: string } }>('/api/v1/traces/:a/compare/:b', (req, reply) =>
    handle(reply, async () => {
      const tenant = need(req, 'read').tenant;
      const a = normaliseTraceId(req.params.a);
      const q = query(req, ['sessionId']);
      if (req.params.b !== 'typical') {
        if (q.sessionId !== undefined) throw new BadRequestError('query parameter "sessionId" applies to /compare/typical only');
        return compareWith(a, normaliseTraceId(req.params.b), tenant);
      }
      // "Compare with a typical trace": the session's median trace of the same route (else of the session).
      const { row, sessionIds } = await loadTrace(a, tenant);
      const sessionId = pickSession(q, sessionIds, a);
      let basis: 'route' | 'session' = 'route';
      let typical = row.routeId ? typicalTrace(await routeTraces(sessionId, row.routeId), a) : undefined;
      if (!typical) {
        basis = 'session';
        const digests = await store.digests(sessionId);
        typical = typicalTrace(
          digests.map((d) => ({ traceId: d.traceId, totalMs: d.latency?.totalMs, startTimeMs: d.startTimeMs })),
          a,
        );
      }
      if (!typical) throw new NotFound(`session "${sessionId}" has no other trace with a total latency to compare trace ${a} with`);
      return { ...(await compareWith(a, typical, tenant)), typical: { traceId: typical, sessionId, basis, ...(row.routeId ? { routeId: row.routeId } : {}) } };
    }),
  );

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/abnormal', (req, reply) =>
    handle(reply, async () => {
      const tenant = need(req, 'read').tenant;
      const traceId = normaliseTraceId(req.params.traceId);
      const q = query(req, ['sessionId']);
      const { spans, row, sessionIds } = await loadTrace(traceId, tenant);
      const sessionId = pickSession(q, sessionIds, traceId);
      const sessionDigests = await store.digests(sessionId);
      let routeDigests: TraceDigest[] | undefined;
      if (row.routeId) {
        const onRoute = new Set((await routeTraces(sessionId, row.routeId)).map((t) => t.traceId));
        routeDigests = sessionDigests.filter((d) => onRoute.has(d.traceId));
      }
      return traceStanding({ traceId, sessionId, routeId: row.routeId, nodes: mapNodes(traceSummary(traceId, spans).lifecycle), sessionDigests, routeDigests });
    }),
  );

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/statistics', (req, reply) =>
    handle(reply, async () => {
      const tenant = need(req, 'read').tenant;
      const traceId = normaliseTraceId(req.params.traceId);
      const q = query(req, ['groupBy']);
      const groupBy = q.groupBy ?? 'name';
      if (groupBy !== 'name' && groupBy !== 'plugin') throw new BadRequestError(`query parameter "groupBy" must be "name" or "plugin"; got ${JSON.stringify(groupBy)}`);
      const { spans } = await loadTrace(traceId, tenant);
      return traceStatistics(traceId, spans, groupBy);
    }),
  );

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/export', (req, reply) =>
    handle(reply, async () => {
      const tenant = need(req, 'read').tenant;
      const traceId = normaliseTraceId(req.params.traceId);
      const q = query(req, ['format']);
      const format = q.format ?? 'json';
      if (format !== 'json' && format !== 'zip') throw new BadRequestError(`query parameter "format" must be "json" or "zip"; got ${JSON.stringify(format)}`);
      const { spans, row, sessionIds } = await loadTrace(traceId, tenant);
      const detail: TraceDetail = { traceId, resource: row.resource, spans };
      if (row.scopeName) detail.scope = { name: row.scopeName, ...(row.scopeVersion ? { version: row.scopeVersion } : {}) };
      const traces = encodeTraceJson(detail);
      if (format === 'json') {
        return reply.header('content-disposition', `attachment; filename="trace-${traceId}.json"`).type('application/json').send(JSON.stringify(traces));
      }
      const logs = await traceLogs(traceId, sessionIds);
      const zip = zipSync({ 'trace.json': strToU8(JSON.stringify(traces, null, 1)), 'logs.json': strToU8(JSON.stringify(encodeLogsJson(detail, logs), null, 1)) }, { level: 6 });
      return reply.header('content-disposition', `attachment; filename="trace-${traceId}.zip"`).type('application/zip').send(Buffer.from(zip));
    }),
  );

  /** the trace's log records over the tenant's sessions that hold it; copies kept per session count once */
  async function traceLogs(traceId: string, sessionIds: string[]): Promise<LogRecord[]> {
    const seen = new Set<string>();
    const out: LogRecord[] = [];
    for (const sessionId of sessionIds) {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await store.listLogs(sessionId, { traceId, limit: 5000, ...(cursor ? { cursor } : {}) });
        for (const l of r.logs) {
          const key = `${l.timeUnixNano}|${l.spanId ?? ''}|${l.severityNumber}|${l.severityText ?? ''}|${JSON.stringify(l.body)}|${JSON.stringify(l.attributes)}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(l);
        }
        cursor = r.nextCursor;
        if (!cursor) break;
      }
    }
    return out.sort((x, y) => (BigInt(x.timeUnixNano) < BigInt(y.timeUnixNano) ? -1 : BigInt(x.timeUnixNano) > BigInt(y.timeUnixNano) ? 1 : 0));
  }

  // The file is the body as sent (any content type), read as bytes so big numbers and the format survive.
  // Registered in its own context so the raw parser applies to this route only.
  void app.register(async (scope) => {
    // Fastify's body-too-large error is a RangeError, which the API's handler reads as a 400: say 413 and the limit here.
    scope.setErrorHandler((err: Error & { code?: string }, _req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, 'Payload Too Large', `the file is larger than the ${UPLOAD_MAX_BYTES} bytes an upload may have`);
      throw err; // everything else: the API's error handler
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: UPLOAD_MAX_BYTES }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/uploads', { bodyLimit: UPLOAD_MAX_BYTES }, (req, reply) =>
      handle(reply, async () => {
        // A viewer may upload: viewing an uploaded trace needs no right to start sessions (as in Konnect).
        const who = need(req, 'read');
        const body = req.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new UploadError('send the file as the request body (e.g. curl --data-binary @trace.json)');
        const parsed = await parseUploadOffThread(body);
        const result = await storeUpload(store, parsed, who.tenant, Date.now());
        await audit.record({
          tenant: who.tenant,
          actor: actorOf(who),
          action: 'trace.upload',
          target: result.sessionId,
          details: { format: parsed.format, bytes: body.length, traceIds: result.traceIds, spans: result.spans, logs: result.logs },
        });
        return reply.code(201).send(result);
      }),
    );
  });
}

function query(req: FastifyRequest, known: string[]): Record<string, string | undefined> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q)) {
    if (!known.includes(k)) throw new BadRequestError(`unknown query parameter "${k}"; accepted: ${known.join(', ') || 'none'}`);
    if (typeof v !== 'string') throw new BadRequestError(`query parameter "${k}" must be given once`);
    if (v !== '') out[k] = v;
  }
  return out;
}

/** This module's own failures become ApiErrors here; everything else goes to the API's error handler. */
async function handle(reply: FastifyReply, fn: () => Promise<unknown>): Promise<unknown> {
  try {
    const out = await fn();
    return out === reply ? reply : reply.send(out);
  } catch (e) {
    if (e instanceof NotFound) return fail(reply, 404, 'Not Found', e.message);
    if (e instanceof UploadError) return fail(reply, 400, 'Bad Request', `cannot read the uploaded file: ${e.message}`);
    if (e instanceof UploadConflictError) return fail(reply, 409, 'Conflict', e.message);
    throw e;
  }
}

function fail(reply: FastifyReply, statusCode: number, error: string, message: string): FastifyReply {
  const body: ApiError = { statusCode, error, message };
  return reply.code(statusCode).send(body);
}
