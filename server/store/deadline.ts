import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * The time by which the request being handled must be answered (issue 16: every OTLP request answered
 * within 1 s, accepted or refused). Set by the transport around a request's ingest and read by the
 * store, far from the HTTP layer: a write still queued when its request's deadline passes (the store
 * holds commits for a WAL checkpoint) is refused rather than committed late, so the request gets a
 * retryable 503 in time instead of a 200 after seconds of silence. Refused before it is written,
 * nothing of it is kept, so nothing acknowledged is lost and the sender's retry stores it once.
 */
const deadlines = new AsyncLocalStorage<number>();

/** runs `fn` with its answer deadline at `at` (performance.now() time, ms) */
export function withAnswerDeadline<T>(at: number, fn: () => T): T {
  return deadlines.run(at, fn);
}

/** the answer deadline of the request being handled (performance.now() time), or undefined outside one */
export function answerDeadline(): number | undefined {
  return deadlines.getStore();
}
