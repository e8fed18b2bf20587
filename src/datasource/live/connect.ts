import { SseParser, type SseEvent } from '../../../common/live/sse';

/** A stream that failed for good: the server's message and HTTP status (0: no answer). */
export class LiveStreamError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'LiveStreamError';
  }
}

/** What a live connection tells its user: each event, and a failure it gave up on. */
export interface LiveHandlers {
  event(e: SseEvent): void;
  error(err: LiveStreamError): void;
}

export interface LiveConnection {
  close(): void;
}

/** Opens an event stream at `url` (the data source proxy URL of GET /api/v1/sessions/{id}/stream). */
export type LiveConnector = (url: string, handlers: LiveHandlers) => LiveConnection;

export interface FetchStreamOptions {
  fetchImpl?: typeof fetch;
  /** give up after this many failed connects in a row (default 10) */
  maxFailures?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An event stream over fetch through Grafana's data source proxy (the proxy adds the API token; Go's reverse
 * proxy passes text/event-stream through unbuffered). When the connection drops it reconnects after the
 * server's `retry:` delay, resuming after the last event id (as `?since=`, which proxies pass unchanged,
 * unlike a Last-Event-ID header), so nothing is missed or repeated. A 4xx other than 429 is final.
 */
export function fetchStream(opts: FetchStreamOptions = {}): LiveConnector {
  const fetchImpl = opts.fetchImpl ?? ((input, init) => fetch(input, init));
  const maxFailures = opts.maxFailures ?? 10;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return (url, handlers) => {
    let closed = false;
    let ctrl: AbortController | undefined;
    let lastId: string | undefined;
    let retryMs = 2000;
    const run = async () => {
      let failures = 0;
      while (!closed) {
        ctrl = new AbortController();
        try {
          const res = await fetchImpl(lastId ? withSince(url, lastId) : url, {
            headers: { Accept: 'text/event-stream' },
            credentials: 'same-origin',
            signal: ctrl.signal,
          });
          if (!res.ok || !res.body) {
            const err = new LiveStreamError(await errorMessage(res), res.status);
            if (res.status !== 429 && res.status < 500) {
              return handlers.error(err);
            }
            throw err;
          }
          failures = 0;
          const parser = new SseParser();
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { done, value } = await reader.read();
            if (done || closed) {
              break;
            }
            for (const e of parser.push(decoder.decode(value, { stream: true }))) {
              lastId = parser.lastEventId ?? lastId;
              handlers.event(e);
              if (closed) {
                return;
              }
            }
            // ids without data (heartbeats) move the position on too
            lastId = parser.lastEventId ?? lastId;
          }
          retryMs = parser.retryMs ?? retryMs;
        } catch (e) {
          if (closed) {
            return;
          }
          failures++;
          if (failures >= maxFailures) {
            const status = e instanceof LiveStreamError ? e.status : 0;
            return handlers.error(new LiveStreamError(`live stream lost: ${(e as Error).message}`, status));
          }
        }
        if (!closed) {
          await sleep(retryMs * Math.min(Math.max(failures, 1), 5));
        }
      }
    };
    void run();
    return {
      close() {
        closed = true;
        ctrl?.abort();
      },
    };
  };
}

function withSince(url: string, since: string): string {
  const u = url.replace(/([?&])since=[^&]*&?/, '$1').replace(/[?&]$/, '');
  return `${u}${u.includes('?') ? '&' : '?'}since=${encodeURIComponent(since)}`;
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (typeof body?.message === 'string') {
      return body.message;
    }
  } catch {
    // not JSON: the status says it
  }
  return `live stream failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
}
