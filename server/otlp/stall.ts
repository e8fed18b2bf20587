/*
 * Watches an upload's progress. A body that stops arriving is no work for the server, so after
 * `stallMs` without a byte its request stops counting against the admission limits (onStall);
 * after `idleMs` without a byte, or once the body has taken `totalMs` in all (a trickle), the
 * request is cut (onTimeout: 408, socket closed). Kong sends a batch in one go over keep-alive
 * (its send_timeout is 5 s), so neither bound touches a live gateway.
 *
 * A check that fires after the event loop was blocked first lets the loop read the sockets
 * (setImmediate runs after the poll phase): bytes that arrived while this process was busy count
 * as progress, so a busy server never cuts an upload it has not read.
 */

export interface StallLimits {
  /** no byte for this long (ms): the request stops counting against the admission limits */
  stallMs: number;
  /** no byte for this long (ms): 408 */
  idleMs: number;
  /** the whole body (ms): 408 */
  totalMs: number;
}

export const DEFAULT_STALL_LIMITS: Readonly<StallLimits> = Object.freeze({
  stallMs: 1000,
  idleMs: 10_000,
  totalMs: 30_000,
});

export class BodyWatch {
  private readonly started: number;
  private last: number;
  private stalled = false;
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly limits: StallLimits,
    private readonly on: { stall(): void; resume(): boolean; timeout(reason: string): void },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = this.last = now();
    this.arm();
  }

  /** bytes arrived; false when the request cannot be counted again (the gate filled meanwhile) */
  progress(): boolean {
    if (this.done) return true;
    this.last = this.now();
    if (this.stalled) {
      this.stalled = false;
      return this.on.resume();
    }
    return true;
  }

  /** the body is complete, or the request is over: nothing more to watch */
  stop(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.done) return;
    const t = this.now();
    const next = Math.min(this.stalled ? Infinity : this.last + this.limits.stallMs, this.last + this.limits.idleMs, this.started + this.limits.totalMs);
    this.timer = setTimeout(() => setImmediate(() => this.check()), Math.max(1, next - t));
    this.timer.unref();
  }

  private check(): void {
    if (this.done) return;
    const t = this.now();
    if (t - this.started >= this.limits.totalMs) {
      this.stop();
      this.on.timeout(`the body was not complete after ${this.limits.totalMs} ms`);
      return;
    }
    if (t - this.last >= this.limits.idleMs) {
      this.stop();
      this.on.timeout(`no body bytes for ${this.limits.idleMs} ms`);
      return;
    }
    if (!this.stalled && t - this.last >= this.limits.stallMs) {
      this.stalled = true;
      this.on.stall();
    }
    this.arm();
  }
}
