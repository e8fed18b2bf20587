/**
 * @jest-environment node
 */
// Node's fetch types (Response, ReadableStream) stand for the browser's: the connector only uses those.
import type { SseEvent } from '../../../common/live/sse';
import { fetchStream, type LiveStreamError } from './connect';

/** a response whose body is these chunks, then the end of the stream (a dropped connection) */
function streamed(chunks: string[]): Response {
  const enc = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(c) {
        chunks.forEach((ch) => c.enqueue(enc.encode(ch)));
        c.close();
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } }
  );
}

function collect() {
  const events: SseEvent[] = [];
  const errors: LiveStreamError[] = [];
  return {
    events,
    errors,
    handlers: { event: (e: SseEvent) => events.push(e), error: (e: LiveStreamError) => errors.push(e) },
  };
}

const until = async (pred: () => boolean) => {
  for (let i = 0; i < 200 && !pred(); i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
};

describe('fetchStream', () => {
  it('reconnects after a drop from the last id (heartbeat ids too), passing it as ?since=', async () => {
    const urls: string[] = [];
    const sleeps: number[] = [];
    const answers = [
      streamed([
        'retry: 1500\n\n',
        'id: 10.a.0.0.5\nevent: status\ndata: {"status":"in_progress"}\n\n',
        'id: 11.b.0.0.6\nevent: tr',
        'aces\ndata: {"traces":[]}\n\n',
        'id: 11.b.0.0.9\n: keep-alive\n\n',
      ]),
      streamed(['id: 12.c.0.0.9\nevent: traces\ndata: {"traces":[1]}\n\n']),
    ];
    const c = collect();
    const conn = fetchStream({
      fetchImpl: async (url) => {
        urls.push(String(url));
        return answers.shift() ?? new Promise<Response>(() => undefined);
      },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    })('/proxy/api/v1/sessions/s1/stream?since=now', c.handlers);
    await until(() => c.events.length === 3);
    conn.close();
    expect(c.events.map((e) => [e.id, e.event])).toEqual([
      ['10.a.0.0.5', 'status'],
      ['11.b.0.0.6', 'traces'],
      ['12.c.0.0.9', 'traces'],
    ]);
    expect(urls).toEqual([
      '/proxy/api/v1/sessions/s1/stream?since=now',
      '/proxy/api/v1/sessions/s1/stream?since=11.b.0.0.9',
      '/proxy/api/v1/sessions/s1/stream?since=12.c.0.0.9',
    ]);
    // the server's retry: delay
    expect(sleeps[0]).toBe(1500);
    expect(c.errors).toEqual([]);
  });

  it("gives up at once on a 4xx, with the server's message", async () => {
    const c = collect();
    let calls = 0;
    fetchStream({
      fetchImpl: async () => {
        calls++;
        return new Response(
          JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'no debug session with id "x"' }),
          { status: 404 }
        );
      },
      sleep: async () => undefined,
    })('/s', c.handlers);
    await until(() => c.errors.length > 0);
    expect(calls).toBe(1);
    expect(c.errors[0]).toMatchObject({ status: 404, message: 'no debug session with id "x"' });
  });

  it('retries 429 and 5xx and network failures, then gives up after maxFailures', async () => {
    const c = collect();
    let calls = 0;
    fetchStream({
      fetchImpl: async () => {
        calls++;
        if (calls === 1) {
          throw new TypeError('network down');
        }
        return new Response('{"message":"too many live streams open for this tenant (16)"}', { status: 429 });
      },
      maxFailures: 3,
      sleep: async () => undefined,
    })('/s', c.handlers);
    await until(() => c.errors.length > 0);
    expect(calls).toBe(3);
    expect(c.errors[0].message).toMatch(/live stream lost: too many live streams open/);
  });
});
