/** What a renderer produces: the spans of one request, ready to be created through the SDK. */
import { SpanKind } from '@opentelemetry/api';
import type { PluginRun } from './model';
import { Rng } from './rng';

export type AttrValue = string | number | boolean;

export interface PlannedEvent {
  name: string;
  time: number;
  attributes: Record<string, AttrValue>;
}

export interface PlannedSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** ns offsets from the request start */
  start: number;
  end: number;
  attributes: Record<string, AttrValue>;
  events: PlannedEvent[];
  /** status ERROR (Kong never sets a message nor OK) */
  error: boolean;
}

export interface RenderedRequest {
  traceId: string;
  /** in Kong's export order; a parent always comes before its children */
  spans: PlannedSpan[];
  /** the span that was active while a plugin ran: where its log records point */
  spanOfRun: Map<PluginRun, string>;
}

/** Collects spans with fresh ids from the seeded rng. */
export class SpanList {
  readonly spans: PlannedSpan[] = [];
  constructor(private readonly rng: Rng) {}

  add(
    name: string,
    kind: SpanKind,
    parent: PlannedSpan | undefined,
    interval: { start: number; end: number },
    attributes: Record<string, AttrValue> = {},
  ): PlannedSpan {
    const s: PlannedSpan = {
      spanId: this.rng.hex(8),
      parentSpanId: parent?.spanId,
      name,
      kind,
      start: interval.start,
      end: interval.end,
      attributes,
      events: [],
      error: false,
    };
    this.spans.push(s);
    return s;
  }
}

/** Kong's record_error(): an `exception` event with only `exception.message`. */
export function recordError(span: PlannedSpan, message: string, time: number, setErrorStatus = true): void {
  span.events.push({ name: 'exception', time, attributes: { 'exception.message': message } });
  if (setErrorStatus) span.error = true;
}
