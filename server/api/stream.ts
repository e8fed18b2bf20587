import type { FastifyInstance } from 'fastify';
import { need } from '../auth/hooks';
import { SessionFeed } from '../live/feed';
import type { LiveHub } from '../live/hub';
import { TooManyStreamsError } from '../live/hub';
import { decodePosition, encodePosition, PositionError, START, type StreamPosition } from '../live/position';
import { LiveStream } from '../live/stream';
import { SessionNotFoundError } from '../sessions/manager';
import type { ApiDeps } from './deps';
import { send } from './errors';
import { BadRequestError } from './params';

/** The position a stream starts after: Last-Event-ID (a reconnect) wins over `?since=`; neither is the session's start. */
export function startPosition(lastEventId: unknown, query: Record<string, unknown>): StreamPosition {
  for (const k of Object.keys(query))
    if (k !== 'since') throw new BadRequestError(`unknown query parameter "${k}"; accepted: since`);
  const since = query.since;
  if (since !== undefined && typeof since !== 'string')
    throw new BadRequestError('query parameter "since" must be given once');
  const raw = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : since || undefined;
  try {
    return raw === undefined ? START : decodePosition(raw);
  } catch (e) {
    if (e instanceof PositionError) throw new BadRequestError(e.message);
    throw e;
  }
}

/** GET /api/v1/sessions/{id}/stream: the session's new traces, logs and status changes as server-sent events. */
export function registerStreamRoutes(app: FastifyInstance, deps: ApiDeps & { live: LiveHub }): void {
  const { store, sessions, live } = deps;

  // An open stream would keep the listener from closing: end them all first.
  app.addHook('preClose', (done) => {
    live.closeAll();
    done();
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/stream', async (req, reply) => {
    const tenant = need(req, 'read').tenant;
    const from = startPosition(req.headers['last-event-id'], req.query as Record<string, unknown>);
    const sessionId = req.params.id;
    await sessions.get(sessionId, tenant); // 404 for an unknown session or another tenant's
    let release: () => void;
    try {
      release = live.acquire(tenant);
    } catch (e) {
      if (e instanceof TooManyStreamsError) return send(reply.header('retry-after', '10'), 429, e.message);
      throw e;
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies: pass events through as they come
      'x-accel-buffering': 'no',
    });
    // EventSource waits this long before reconnecting (with Last-Event-ID)
    res.write('retry: 2000\n\n');
    res.socket?.setNoDelay(true);

    let unsubscribe = () => {};
    const feed = new SessionFeed(store, sessionId, from, live.settleMs);
    const stream = new LiveStream({
      sessionId,
      res,
      feed,
      heartbeatMs: live.heartbeatMs,
      endGraceMs: live.endGraceMs,
      position: () => encodePosition(feed.at),
      session: async () => {
        try {
          return await sessions.get(sessionId, tenant);
        } catch (e) {
          if (e instanceof SessionNotFoundError) return undefined;
          throw e;
        }
      },
      onEnd: () => {
        unsubscribe();
        release();
      },
      onError: (e) => req.log.warn({ err: e }, 'live stream failed'),
    });
    unsubscribe = live.subscribe(
      sessionId,
      () => stream.wake(),
      () => stream.end()
    );
    if (stream.closed) unsubscribe();
    stream.wake();
  });
}
