import fs from 'node:fs';

/**
 * Group fsync of a SQLite WAL file on libuv's thread pool. The store commits with synchronous = NORMAL (frames
 * written to the OS, no fsync) and answers the batches of a commit only after `after()` reports the WAL on disk:
 * SQLite's synchronous = FULL guarantee, without the event loop standing still during the fsync (where FULL does
 * it). Callbacks queued while an fsync runs wait for the next one, which starts when it ends: one fsync covers
 * every commit made meanwhile. The file is opened for each fsync, so a WAL recreated meanwhile is the one synced.
 */
export class WalSync {
  private running = false;
  private waiting: Array<(err?: Error) => void> = [];

  constructor(private readonly file: string) {}

  /** `done` runs once everything written to the WAL before this call is on disk (or with the fsync's error) */
  after(done: (err?: Error) => void): void {
    this.waiting.push(done);
    if (!this.running) this.start();
  }

  /** syncs now, on this thread, and settles every waiting callback (before the database closes) */
  flushSync(): void {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0 && !this.running) return;
    let err: Error | undefined;
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      err = e as Error;
    }
    for (const d of batch) d(err);
  }

  private start(): void {
    this.running = true;
    const batch = this.waiting;
    this.waiting = [];
    fs.open(this.file, 'r', (openErr, fd) => {
      if (openErr) return this.finish(batch, openErr);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => this.finish(batch, syncErr ?? undefined)));
    });
  }

  private finish(batch: Array<(err?: Error) => void>, err: Error | undefined): void {
    this.running = false;
    for (const d of batch) d(err);
    if (this.waiting.length > 0) this.start();
  }
}
