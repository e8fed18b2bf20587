import { SseParser, type SseEvent } from '../../common/live/sse';

/** A test's event-stream client over fetch: the events as they arrive, the HTTP status, and an abort. */
export interface SseConnection {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** resolves when `pred` holds for the events received so far (rejects after `ms`) */
  until(pred: (events: SseEvent[]) => boolean, ms?: number): Promise<SseEvent[]>;
  /** resolves when the server ends the stream */
  ended: Promise<void>;
  close(): void;
  /** the Last-Event-ID a browser would send on reconnecting (ids without data move it too) */
  lastEventId(): string | undefined;
  body?: string;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ctrl.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const body = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      events,
      until: async () => events,
      ended: Promise.resolve(),
      close: () => undefined,
      lastEventId: () => undefined,
      body,
    };
  }
  const parser = new SseParser();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        events.push(...parser.push(value));
        for (const w of waiters) w();
      }
    } catch {
      // aborted by close()
    }
    for (const w of waiters) w();
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    close: () => ctrl.abort(),
    lastEventId: () => parser.lastEventId,
    until(pred, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pred(events)) {
            cleanup();
            resolve(events);
          } else if (finished) {
            cleanup();
            reject(new Error(`stream ended first; events: ${events.map((e) => e.event).join(', ')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out; events: ${events.map((e) => `${e.event}:${e.data.slice(0, 80)}`).join(' | ')}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
