import type { ServerResponse } from 'node:http';
import type { LiveEventName, LiveEvents, Session } from '../../common/api';
import type { SessionFeed } from './feed';
import { encodePosition } from './position';

/** whether a session still captures (its stream stays open) */
export const isLive = (s: Session) => s.status === 'in_progress' || s.status === 'pending';

export interface StreamDeps {
  sessionId: string;
  res: ServerResponse;
  feed: SessionFeed;
  /** the session now; undefined once deleted */
  session: () => Promise<Session | undefined>;
  heartbeatMs: number;
  /**
   * how long after the session is seen ended the stream keeps reading before its final status event: the
   * trace that reached the cap ends the session before its own write is committed
   */
  endGraceMs: number;
  /** the position to repeat with heartbeats (an id without data moves the client's Last-Event-ID on) */
  position: () => string;
  /** called once when the stream is over (client gone, session ended, server closing) */
  onEnd: () => void;
  /** a failure while streaming (store unreachable, ...): said to the client as a comment, then the stream closes */
  onError?: (e: Error) => void;
}

/**
 * One open event stream. Woken by the hub (or its own heartbeat), it reads the session's status and then
 * everything stored after its position, and writes them as events; one pump at a time, a wake during a
 * pump runs it once more. Status is read before the rows, so every row stored before the session ended is
 * sent before the final status event. Writes wait for the socket to drain: a slow client holds one batch.
 */
export class LiveStream {
  private pumping = false;
  private again = false;
  private ended = false;
  private lastStatus?: string;
  private lastId?: string;
  private endSeenAt?: number;
  private graceTimer?: NodeJS.Timeout;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly d: StreamDeps) {
    d.res.on('close', () => this.end());
    this.heartbeat = setInterval(() => this.beat(), d.heartbeatMs);
    this.heartbeat.unref();
  }

  get closed(): boolean {
    return this.ended;
  }

  wake(): void {
    if (this.ended) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => (this.pumping = false));
  }

  /** ends the stream (idempotent) */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.graceTimer);
    if (!this.d.res.writableEnded) this.d.res.end();
    this.d.onEnd();
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        const session = await this.d.session();
        if (this.ended) return;
        const batch = await this.d.feed.read();
        if (this.ended) return;
        const id = encodePosition(batch.position);
        if (batch.traces.length) await this.send('traces', { traces: batch.traces }, id);
        if (batch.logs.length) await this.send('logs', { logs: batch.logs }, id);
        if (!session) {
          await this.send('deleted', { id: this.d.sessionId }, id);
          return this.end();
        }
        if (!isLive(session)) {
          this.endSeenAt ??= Date.now();
          const left = this.endSeenAt + this.d.endGraceMs - Date.now();
          if (left <= 0 && !batch.more) {
            await this.send('status', session, id);
            return this.end();
          }
          if (left > 0 && !this.graceTimer) {
            this.graceTimer = setTimeout(() => this.wake(), left);
            this.graceTimer.unref();
          }
        } else if (session.status !== this.lastStatus) {
          this.lastStatus = session.status;
          await this.send('status', session, id);
        }
        if (batch.more) this.again = true;
      } while (this.again && !this.ended);
    } catch (e) {
      this.d.onError?.(e as Error);
      this.comment(`error: ${(e as Error).message.replace(/[\r\n]+/g, ' ')}`);
      this.end();
    }
  }

  private async send<N extends LiveEventName>(name: N, data: LiveEvents[N], id: string): Promise<void> {
    if (this.ended) return;
    // JSON never holds a raw newline, so the data is one `data:` line.
    this.lastId = id;
    const ok = this.d.res.write(`id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    if (!ok) await this.drained();
  }

  /** a comment keeps proxies from closing the quiet stream; the id with it (when it moved) keeps a resume short */
  private beat(): void {
    if (this.ended || this.d.res.writableEnded) return;
    const id = this.d.position();
    const idLine = id !== this.lastId && this.lastId !== undefined ? `id: ${id}\n` : '';
    if (idLine) this.lastId = id;
    this.d.res.write(`${idLine}: keep-alive\n\n`);
  }

  private comment(text: string): void {
    if (!this.ended && !this.d.res.writableEnded) this.d.res.write(`: ${text}\n\n`);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.d.res.off('drain', done);
        this.d.res.off('close', done);
        resolve();
      };
      this.d.res.once('drain', done);
      this.d.res.once('close', done);
    });
  }
}
