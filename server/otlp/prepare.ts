import { decodeLogsJson, decodeTracesJson } from './decode-json';
import { decodeLogsProtobuf, decodeTracesProtobuf } from './decode-protobuf';
import {
  itemCountError,
  limitLogBatch,
  limitTraceBatch,
  rejectOverlongKeyLogs,
  rejectOverlongKeySpans,
  rejectUnstorableLogs,
  rejectUnstorableSpans,
  type LimitReport,
  type OtlpLimits,
} from './limits';
import type { Encoding } from './responses';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';

/*
 * A request body to the batch handed to ingest: decode, the item count (413 for too many), items that cannot be
 * stored or whose keys are too long rejected, the per-item limits applied. Pure, so it runs the same in place or
 * on a worker thread (decode-in-worker.ts) for a large body.
 */

export type Signal = 'traces' | 'logs';

export type Prepared = { signal: 'traces'; batch: DecodedTraceBatch; limited: LimitReport } | { signal: 'logs'; batch: DecodedLogBatch; limited: LimitReport };

/** too many items in one request: the whole request is refused with 413, before ingest, so nothing is half-stored */
export class ItemCountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ItemCountError';
  }
}

export interface PrepareInput {
  signal: Signal;
  encoding: Encoding;
  body: Uint8Array;
  limits: OtlpLimits;
}

/** throws OtlpDecodeError (400) or ItemCountError (413) */
export function prepareBatch({ signal, encoding, body, limits }: PrepareInput): Prepared {
  const checkCount = (count: number) => {
    const tooMany = itemCountError(signal, count, limits);
    if (tooMany !== undefined) throw new ItemCountError(tooMany);
  };
  if (signal === 'traces') {
    const batch = encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
    checkCount(batch.spans.length + batch.rejected);
    rejectUnstorableSpans(batch);
    rejectOverlongKeySpans(batch, limits);
    return { signal, batch, limited: limitTraceBatch(batch, limits) };
  }
  const batch = encoding === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body);
  checkCount(batch.records.length + batch.rejected);
  rejectUnstorableLogs(batch);
  rejectOverlongKeyLogs(batch, limits);
  return { signal, batch, limited: limitLogBatch(batch, limits) };
}
