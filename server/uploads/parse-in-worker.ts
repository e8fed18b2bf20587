import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseUpload, UploadError, type ParseOptions, type ParsedUpload } from './parse';

// Plain JavaScript run by the worker (a worker does not go through the parent's loader): it loads the
// TypeScript parser through tsx, as bin/kong-debugger.js does for the server.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
require(workerData.tsx);
const { parseUpload, UploadError } = require(workerData.parser);
parentPort.on('message', ({ id, bytes, opts }) => {
  try {
    parentPort.postMessage({ id, parsed: parseUpload(bytes, opts) });
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.message) || e), upload: e instanceof UploadError });
  }
});
`;

interface Reply {
  id: number;
  parsed?: ParsedUpload;
  error?: string;
  upload?: boolean;
}

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (p: ParsedUpload) => void; reject: (e: Error) => void }>();

function start(): Worker {
  const w = new Worker(WORKER, {
    eval: true,
    workerData: { tsx: require.resolve('tsx/cjs'), parser: path.join(__dirname, `parse${path.extname(__filename)}`) },
  });
  w.on('message', (m: Reply) => {
    const p = waiting.get(m.id);
    if (!p) return;
    waiting.delete(m.id);
    if (waiting.size === 0) w.unref();
    if (m.parsed) p.resolve(m.parsed);
    else p.reject(m.upload ? new UploadError(m.error ?? 'unreadable file') : new Error(m.error ?? 'the upload parser failed'));
  });
  // A crashed worker fails what it held; the next upload starts a new one.
  const fail = (e: Error) => {
    if (worker === w) worker = undefined;
    for (const [id, p] of waiting) {
      waiting.delete(id);
      p.reject(new Error(`the upload parser stopped: ${e.message}`));
    }
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  w.unref();
  return w;
}

/**
 * parseUpload on a worker thread: decoding a 16 MiB JSON file or unpacking a 64 MiB zip takes the CPU for
 * seconds, which must not hold up other requests (the OTLP receiver, the UI's polling). Files of up to
 * `inlineBelowBytes` (a few ms of work) are parsed in place.
 */
export function parseUploadOffThread(bytes: Uint8Array, opts: ParseOptions = {}, inlineBelowBytes = 64 * 1024): Promise<ParsedUpload> {
  if (bytes.length < inlineBelowBytes) {
    try {
      return Promise.resolve(parseUpload(bytes, opts));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  const w = (worker ??= start());
  const id = nextId++;
  // a copy the worker can own (the request body may be a slice of a shared pool)
  const copy = new Uint8Array(bytes);
  return new Promise<ParsedUpload>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.ref(); // an upload in progress keeps the process up
    w.postMessage({ id, bytes: copy, opts }, [copy.buffer]);
  });
}

/** Stops the worker (server shutdown, tests). */
export async function stopUploadWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}
