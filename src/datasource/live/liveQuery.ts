import { LoadingState, type DataFrame, type DataQueryError, type DataQueryResponse } from '@grafana/data';
import { Observable } from 'rxjs';
import type { LiveEvents, Session } from '../../../common/api';
import type { SseEvent } from '../../../common/live/sse';
import type { LiveConnection, LiveConnector, LiveStreamError } from './connect';

/** whether a session still captures: its stream stays open */
export const isRunning = (s: Session) => s.status === 'in_progress' || s.status === 'pending';

/** One kind of list a live query keeps (a session's traces, its logs). */
export interface LiveList<T> {
  /** the stream event carrying new rows */
  event: 'traces' | 'logs';
  rows(data: LiveEvents['traces'] | LiveEvents['logs']): T[];
  /** the list as it stands (the REST list with the query's filters), read once the stream is open */
  initial(): Promise<T[]>;
  id(row: T): string;
  /** whether a streamed row belongs (the query's filters) */
  matches(row: T): boolean;
  /** newest first: a negative number when `a` comes before `b` */
  order(a: T, b: T): number;
  limit: number;
  frame(rows: T[]): DataFrame;
}

export interface LiveQueryArgs<T> {
  refId: string;
  /** the stream's proxy URL, starting at the server's "now" (`?since=now`) */
  url: string;
  connect: LiveConnector;
  list: LiveList<T>;
  /** turns a failure into the query's error */
  toError(err: unknown): DataQueryError;
}

/**
 * A list query of a running session as Grafana's streaming response: it opens the session's event stream
 * first (from the server's now), then reads the list as it stands, so nothing falls between the two; each
 * event merges its rows by id (a row sent twice replaces itself) and the list is emitted again with
 * `LoadingState.Streaming`. The final status event (the session ended) emits `LoadingState.Done` and
 * completes. Unsubscribing (the query re-run, the panel gone) closes the stream.
 */
export function liveQuery<T>(args: LiveQueryArgs<T>): Observable<DataQueryResponse> {
  const { list, refId } = args;
  return new Observable<DataQueryResponse>((sub) => {
    const rows = new Map<string, T>();
    // set once connect returns (a connector may call back before that)
    let conn: LiveConnection | undefined;
    let listed = false;
    let ended = false;

    const current = (): T[] => {
      const sorted = [...rows.values()].sort(list.order).slice(0, list.limit);
      // keep only what is shown: the map stays within the query's limit
      if (rows.size > sorted.length) {
        rows.clear();
        for (const r of sorted) {
          rows.set(list.id(r), r);
        }
      }
      return sorted;
    };
    const emit = (state: LoadingState) => {
      if (listed) {
        sub.next({ data: [list.frame(current())], key: refId, state });
      }
    };
    const finish = (error?: DataQueryError) => {
      if (ended) {
        return;
      }
      ended = true;
      conn?.close();
      if (error) {
        sub.next({
          data: listed ? [list.frame(current())] : [],
          key: refId,
          state: LoadingState.Error,
          errors: [error],
        });
      } else {
        emit(LoadingState.Done);
      }
      sub.complete();
    };
    const readList = () => {
      list.initial().then(
        (initial) => {
          // streamed rows are at least as new as the list's
          for (const r of initial) {
            if (!rows.has(list.id(r))) {
              rows.set(list.id(r), r);
            }
          }
          listed = true;
          emit(ended ? LoadingState.Done : LoadingState.Streaming);
        },
        (err) => finish(args.toError(err))
      );
    };

    let first = true;
    const onEvent = (e: SseEvent) => {
      if (ended) {
        return;
      }
      if (e.event === list.event) {
        for (const r of list.rows(JSON.parse(e.data))) {
          if (list.matches(r)) {
            rows.set(list.id(r), r);
          }
        }
        emit(LoadingState.Streaming);
      } else if (e.event === 'status') {
        const session = JSON.parse(e.data) as Session;
        if (first) {
          first = false;
          // the stream is open at the server: what came before is in the list
          if (!isRunning(session)) {
            // ended already: the list is the answer
            ended = true;
            conn?.close();
            list.initial().then(
              (initial) => {
                for (const r of initial) {
                  rows.set(list.id(r), r);
                }
                listed = true;
                emit(LoadingState.Done);
                sub.complete();
              },
              (err) => {
                ended = false;
                finish(args.toError(err));
              }
            );
            return;
          }
          readList();
        } else if (!isRunning(session)) {
          finish();
        }
      } else if (e.event === 'deleted') {
        finish({ refId, message: 'The session was deleted.' });
      }
    };
    conn = args.connect(args.url, {
      event: onEvent,
      error: (err: LiveStreamError) => finish(args.toError(err)),
    });
    if (ended) {
      conn.close();
    }
    return () => {
      ended = true;
      conn?.close();
    };
  });
}
