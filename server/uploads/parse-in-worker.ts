import path from 'node:path';
import { WorkerPool } from '../workers/pool';
import { parseUpload, UploadError, type ParseOptions, type ParsedUpload } from './parse';

// One thread: uploads are rare, and each already has the whole CPU of a core for seconds.
let pool: WorkerPool | undefined;

function uploadPool(): WorkerPool {
  return (pool ??= new WorkerPool({
    module: path.join(__dirname, `parse${path.extname(__filename)}`),
    size: 1,
    name: 'upload parser',
    revive: (f) => (f.name === 'UploadError' ? new UploadError(f.message) : new Error(f.message || 'the upload parser failed')),
  }));
}

/**
 * parseUpload on a worker thread (server/workers/pool.ts): decoding a 16 MiB JSON file or unpacking a 64 MiB zip
 * takes the CPU for seconds, which must not hold up other requests (the OTLP receiver, the UI's polling). Files of
 * up to `inlineBelowBytes` (a few ms of work) are parsed in place.
 */
export function parseUploadOffThread(bytes: Uint8Array, opts: ParseOptions = {}, inlineBelowBytes = 64 * 1024): Promise<ParsedUpload> {
  if (bytes.length < inlineBelowBytes) {
    try {
      return Promise.resolve(parseUpload(bytes, opts));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  // a copy the worker can own (the request body may be a slice of a shared pool)
  const copy = new Uint8Array(bytes);
  return uploadPool().run<ParsedUpload>('parseUpload', [copy, opts], {
    transfer: [copy.buffer as ArrayBuffer],
    slices: [
      ['traces', 'spans'],
      ['logs', 'records'],
    ],
  });
}

/** Stops the worker (server shutdown, tests). */
export async function stopUploadWorker(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await p.close();
}
