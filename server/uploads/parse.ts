import { gunzipSync, unzipSync } from 'fflate';
import { decodeLogsJson, decodeTracesJson } from '../otlp/decode-json';
import { decodeTracesProtobuf } from '../otlp/decode-protobuf';
import { OtlpDecodeError } from '../otlp/errors';
import type { DecodedLogBatch, DecodedTraceBatch } from '../otlp/types';
import { konnectToOtlp } from './konnect';

/**
 * An uploaded file (POST /api/v1/uploads) → decoded spans and log records, or an UploadError that says
 * what is wrong and where. Accepted, recognised by content (not by name or content type):
 * - OTLP/JSON ExportTraceServiceRequest: camelCase or snake_case, ids hex or base64, numbers as int,
 *   double or string; `batches` (the Konnect viewer's name) is read as `resourceSpans`;
 * - Konnect's trace export: the same with attributes as a plain JSON object (see konnect.ts);
 * - a JSON array of such documents;
 * - OTLP protobuf ExportTraceServiceRequest;
 * - our zip (GET /traces/{id}/export?format=zip): JSON entries holding traces or logs; protobuf entries
 *   (`.pb`, `.bin`, `.protobuf`) are read as traces; a gzip-compressed file of any of these.
 * One bad span or record rejects the whole file: nothing is stored from a file the user must fix.
 */
export class UploadError extends Error {}

export type UploadFormat = 'otlp-json' | 'konnect-json' | 'otlp-protobuf' | 'zip';

export interface ParsedUpload {
  format: UploadFormat;
  traces: DecodedTraceBatch;
  logs: DecodedLogBatch;
}

export interface ParseOptions {
  /** largest total of a zip's or gzip's decompressed contents (zip bombs), bytes */
  maxUnpackedBytes?: number;
}

export const DEFAULT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
const MAX_ZIP_ENTRIES = 100;

export function parseUpload(bytes: Uint8Array, opts: ParseOptions = {}): ParsedUpload {
  const max = opts.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  if (bytes.length === 0) throw new UploadError('the file is empty');
  if (isGzip(bytes)) {
    let inner: Uint8Array;
    try {
      inner = gunzipSync(bytes);
    } catch (e) {
      throw new UploadError(`the file looks gzip-compressed but cannot be decompressed: ${(e as Error).message}`);
    }
    if (inner.length > max) throw new UploadError(`the decompressed file is ${inner.length} bytes, more than the ${max} accepted`);
    return parseUpload(inner, opts);
  }
  const out: ParsedUpload = { format: 'otlp-json', traces: emptyTraces(), logs: emptyLogs() };
  if (isZip(bytes)) {
    out.format = 'zip';
    for (const [name, content] of unzipEntries(bytes, max)) addContent(out, content, name, /\.(pb|bin|protobuf)$/i.test(name));
  } else {
    addContent(out, bytes, '', false);
    if (out.format === 'otlp-json' && !looksLikeJson(bytes)) out.format = 'otlp-protobuf';
  }
  if (out.traces.spans.length === 0) {
    throw new UploadError(
      out.logs.records.length
        ? 'the file holds log records but no spans: upload a trace (with its logs in a zip if you like)'
        : 'the file holds no spans: expected an OTLP ExportTraceServiceRequest (JSON or protobuf), a Konnect trace export or a zip of them',
    );
  }
  return out;
}

function addContent(out: ParsedUpload, bytes: Uint8Array, entry: string, protobuf: boolean): void {
  const where = entry ? `${entry}: ` : '';
  if (!protobuf && looksLikeJson(bytes)) {
    const doc = parseJson(bytes, where);
    const docs = Array.isArray(doc) ? doc : [doc];
    docs.forEach((d, i) => addJsonDoc(out, d, Array.isArray(doc) ? `${where}[${i}] ` : where));
    return;
  }
  if (entry && !protobuf) return; // other files in a zip (a README, a screenshot) are not ours to judge
  let batch: DecodedTraceBatch;
  try {
    batch = decodeTracesProtobuf(bytes);
  } catch (e) {
    throw new UploadError(`${where}not JSON, and not an OTLP protobuf ExportTraceServiceRequest: ${(e as Error).message}`);
  }
  checkRejected(batch, where);
  appendTraces(out.traces, batch);
}

function addJsonDoc(out: ParsedUpload, raw: unknown, where: string): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UploadError(`${where}expected a JSON object (an OTLP export request), got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  const { doc, konnect } = konnectToOtlp(raw as Record<string, unknown>);
  if (konnect) out.format = out.format === 'zip' ? 'zip' : 'konnect-json';
  const hasTraces = ['resourceSpans', 'resource_spans'].some((k) => k in doc);
  const hasLogs = ['resourceLogs', 'resource_logs'].some((k) => k in doc);
  if (!hasTraces && !hasLogs) {
    const keys = Object.keys(doc).slice(0, 5).map((k) => JSON.stringify(k)).join(', ');
    throw new UploadError(`${where}not an OTLP traces or logs document: expected "resourceSpans" (or "resource_spans", "batches") at the top, found ${keys || 'no keys'}`);
  }
  try {
    if (hasTraces) {
      const batch = decodeTracesJson(doc);
      checkRejected(batch, where);
      appendTraces(out.traces, batch);
    }
    if (hasLogs) {
      const batch = decodeLogsJson(doc);
      checkRejected(batch, where);
      appendLogs(out.logs, batch);
    }
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw new UploadError(`${where}${e.message}`);
    throw e;
  }
}

function checkRejected(batch: { rejected: number; errors: string[] }, where: string): void {
  if (batch.rejected === 0) return;
  const more = batch.rejected > batch.errors.length ? ` (and ${batch.rejected - batch.errors.length} more)` : '';
  throw new UploadError(`${where}${batch.rejected} item(s) cannot be read: ${batch.errors.join('; ')}${more}`);
}

// JSON numbers beyond 2^53 lose digits in JSON.parse: nanosecond times and int64 values written as bare
// numbers (some exporters do) are quoted first so they decode exactly. Escaped quotes inside strings
// never match (the key's closing quote must follow its last letter).
const BIG_NUMBER_FIELDS = /((?<!\\)"(?:startTimeUnixNano|endTimeUnixNano|timeUnixNano|observedTimeUnixNano|start_time_unix_nano|end_time_unix_nano|time_unix_nano|observed_time_unix_nano|intValue|int_value)"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g;

function parseJson(bytes: Uint8Array, where: string): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').replace(/^\uFEFF/, '');
  const quoted = text.replace(BIG_NUMBER_FIELDS, '$1"$2"');
  try {
    return JSON.parse(quoted);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (!m && !/end of JSON/i.test(msg)) throw new UploadError(`${where}invalid JSON: ${msg}`);
    // report the position in the file as sent: quoting added two characters per number before it
    const pos = m ? Number(m[1]) : quoted.length;
    let shift = 0;
    for (const q of text.matchAll(BIG_NUMBER_FIELDS)) if (q.index! + q[0].length + shift + 2 <= pos) shift += 2;
    const at = pos - shift;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new UploadError(`${where}invalid JSON at line ${line}, column ${column}: ${msg.replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '')}`);
  }
}

function unzipEntries(bytes: Uint8Array, max: number): Array<[string, Uint8Array]> {
  let total = 0;
  let count = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith('/') || f.name.startsWith('__MACOSX/')) return false;
        if (++count > MAX_ZIP_ENTRIES) throw new UploadError(`the zip has more than ${MAX_ZIP_ENTRIES} files`);
        total += f.originalSize;
        if (total > max) throw new UploadError(`the zip's contents are larger than the ${max} bytes accepted`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof UploadError) throw e;
    throw new UploadError(`the file looks like a zip but cannot be read: ${(e as Error).message}`);
  }
  const entries = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // the sizes a zip declares can lie; what came out is what counts
  if (entries.reduce((t, [, c]) => t + c.length, 0) > max) throw new UploadError(`the zip's contents are larger than the ${max} bytes accepted`);
  if (entries.length === 0) throw new UploadError('the zip holds no files');
  return entries;
}

function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}
function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}
function looksLikeJson(b: Uint8Array): boolean {
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i] === 0x7b || b[i] === 0x5b; // { or [
}

function emptyTraces(): DecodedTraceBatch {
  return { resources: [], spans: [], rejected: 0, errors: [] };
}
function emptyLogs(): DecodedLogBatch {
  return { resources: [], records: [], rejected: 0, errors: [] };
}
function appendTraces(into: DecodedTraceBatch, b: DecodedTraceBatch): void {
  const base = into.resources.length;
  into.resources.push(...b.resources);
  for (const s of b.spans) into.spans.push(base ? { ...s, resource: s.resource + base } : s);
}
function appendLogs(into: DecodedLogBatch, b: DecodedLogBatch): void {
  const base = into.resources.length;
  into.resources.push(...b.resources);
  for (const r of b.records) into.records.push(base ? { ...r, resource: r.resource + base } : r);
}
