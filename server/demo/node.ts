/**
 * One simulated Kong node (OSS 3.9.1 or Enterprise 3.10.0.0): a real OTel tracer provider and
 * logger provider with batch processors and OTLP/HTTP exporters, plus the two tricks that let
 * the demo decide ids and timestamps itself:
 *  - a controlled IdGenerator, so the trace/span ids are the planned ones (logs carry them);
 *  - a log processor that removes the span id of log-phase records (the SDK only accepts a
 *    complete span context, Kong sends the trace id alone).
 */
import { Context, HrTime, ROOT_CONTEXT, Span, SpanStatusCode, TraceFlags, Tracer, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, IdGenerator, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BatchLogRecordProcessor, LoggerProvider, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api-logs';
import {
  OTLPExporterBase,
  createOtlpNetworkExportDelegate,
  getSharedConfigurationDefaults,
  mergeOtlpSharedConfigurationWithDefaults,
} from '@opentelemetry/otlp-exporter-base';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import { DEMO_NODES } from './catalog';
import { NumberStyle, OSS_NUMBERS, Protocol, kongLogsSerializer, kongTraceSerializer } from './kong-serializer';
import type { PlannedLog } from './logs';
import type { RenderedRequest } from './spans';
import { createKongHttpTransport } from './http-transport';

export type NodeDialect = 'oss' | 'enterprise';

export interface NodeConfig {
  dialect: NodeDialect;
  otlpUrl: string;
  protocol: Protocol;
  logs: boolean;
  headers: Record<string, string>;
}

/** Hands out exactly the ids the demo planned, one span at a time. */
export class PlannedIdGenerator implements IdGenerator {
  private traceId?: string;
  private spanId?: string;

  expect(traceId: string, spanId: string): void {
    this.traceId = traceId;
    this.spanId = spanId;
  }

  generateTraceId(): string {
    if (!this.traceId) throw new Error('demo: trace id requested without a planned one');
    return this.traceId;
  }

  generateSpanId(): string {
    if (!this.spanId) throw new Error('demo: span id requested without a planned one');
    const id = this.spanId;
    this.spanId = undefined;
    return id;
  }
}

/** Removes the span id of the next emitted record, keeping its trace id and flags. */
export class TraceOnlyLogProcessor implements LogRecordProcessor {
  private stripNext = false;

  armForNextRecord(): void {
    this.stripNext = true;
  }

  onEmit(record: SdkLogRecord): void {
    if (!this.stripNext) return;
    this.stripNext = false;
    const sc = record.spanContext;
    if (sc) (record as { spanContext?: unknown }).spanContext = { traceId: sc.traceId, traceFlags: sc.traceFlags };
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function toHrTime(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

function endpoint(base: string, signal: 'traces' | 'logs'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

const CONTENT_TYPE: Record<Protocol, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** The SDK's OTLP exporter (export delegate, bounded queue, timeout) over Kong's HTTP hop. */
function otlpExporter<T>(url: string, headers: Record<string, string>, serializer: ISerializer<T, unknown>): OTLPExporterBase<T> {
  const config = mergeOtlpSharedConfigurationWithDefaults({}, {}, getSharedConfigurationDefaults());
  return new OTLPExporterBase<T>(createOtlpNetworkExportDelegate(config, serializer, createKongHttpTransport({ url, headers })));
}

/** Export outcome per signal, so callers can tell "sent" from "tried to send". */
export interface ExportStats {
  exportedItems: number;
  failedItems: number;
  lastError?: string;
}

interface Exporter<T> {
  export(items: T[], done: (r: { code: number; error?: Error }) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Wraps an exporter to count what reached the receiver (code 0 = SUCCESS). */
function counting<T, E extends Exporter<T>>(inner: E, stats: ExportStats): E {
  const wrapped: Exporter<T> = {
    export: (items, done) =>
      inner.export(items, (r) => {
        if (r.code === 0) stats.exportedItems += items.length;
        else {
          stats.failedItems += items.length;
          stats.lastError = r.error?.message ?? 'export failed';
        }
        done(r);
      }),
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
  return wrapped as E;
}

export class GatewayNode {
  readonly spanStats: ExportStats = { exportedItems: 0, failedItems: 0 };
  readonly logStats: ExportStats = { exportedItems: 0, failedItems: 0 };
  private readonly ids = new PlannedIdGenerator();
  private readonly traceOnly = new TraceOnlyLogProcessor();
  private readonly tracerProvider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly loggerProvider?: LoggerProvider;
  private readonly logger?: Logger;

  constructor(cfg: NodeConfig) {
    const node = DEMO_NODES[cfg.dialect];
    const resource = resourceFromAttributes({
      'service.name': 'kong',
      'service.instance.id': node.instanceId,
      'service.version': node.version,
    });
    const style: NumberStyle = cfg.dialect === 'oss' ? OSS_NUMBERS : { kind: 'sdk' };
    const headers = { ...cfg.headers };
    const traceExporter = otlpExporter(endpoint(cfg.otlpUrl, 'traces'), { ...headers, 'Content-Type': CONTENT_TYPE[cfg.protocol] }, kongTraceSerializer(cfg.protocol, style));
    // Kong's queue: up to 200 entries per POST, 1 s coalescing delay (kong-otel.md §8)
    this.tracerProvider = new BasicTracerProvider({
      resource,
      idGenerator: this.ids,
      spanProcessors: [new BatchSpanProcessor(counting(traceExporter, this.spanStats), { maxExportBatchSize: 200, scheduledDelayMillis: 1000, maxQueueSize: 10000 })],
    });
    this.tracer = this.tracerProvider.getTracer('kong-internal', '0.1.0');
    if (cfg.logs) {
      const logExporter = otlpExporter(endpoint(cfg.otlpUrl, 'logs'), { ...headers, 'Content-Type': CONTENT_TYPE[cfg.protocol] }, kongLogsSerializer(cfg.protocol, style));
      this.loggerProvider = new LoggerProvider({
        resource,
        processors: [this.traceOnly, new BatchLogRecordProcessor(counting(logExporter, this.logStats), { maxExportBatchSize: 200, scheduledDelayMillis: 1000, maxQueueSize: 10000 })],
      });
      this.logger = this.loggerProvider.getLogger('kong-internal', '0.1.0');
    }
  }

  /** Create and end the planned spans (in Kong's export order), then the log records. */
  emit(req: RenderedRequest, logs: PlannedLog[], rootStartNs: bigint): number {
    const at = (offset: number) => toHrTime(rootStartNs + BigInt(offset));
    const created = new Map<string, Span>();
    for (const s of req.spans) {
      const parent = s.parentSpanId ? created.get(s.parentSpanId) : undefined;
      if (s.parentSpanId && !parent) throw new Error(`demo: span ${s.name} planned before its parent ${s.parentSpanId}`);
      const ctx: Context = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
      this.ids.expect(req.traceId, s.spanId);
      const span = this.tracer.startSpan(s.name, { kind: s.kind, startTime: at(s.start), attributes: s.attributes }, ctx);
      for (const ev of s.events) span.addEvent(ev.name, ev.attributes, at(ev.time));
      if (s.error) span.setStatus({ code: SpanStatusCode.ERROR });
      created.set(s.spanId, span);
    }
    for (const s of req.spans) created.get(s.spanId)!.end(at(s.end));
    if (!this.logger) return 0;
    for (const l of logs) {
      let context = ROOT_CONTEXT;
      if (l.traceId) {
        // a log-phase record: any valid span id gets the context through the SDK, then is removed
        const spanId = l.spanId ?? req.spans[0].spanId;
        context = trace.setSpanContext(ROOT_CONTEXT, { traceId: l.traceId, spanId, traceFlags: TraceFlags.SAMPLED });
        if (!l.spanId) this.traceOnly.armForNextRecord();
      }
      this.logger.emit({
        timestamp: at(l.time),
        observedTimestamp: at(l.time),
        ...(l.severityNumber !== undefined ? { severityNumber: l.severityNumber, severityText: l.severityText } : {}),
        ...(l.body !== undefined ? { body: l.body } : {}),
        attributes: l.attributes,
        context,
      });
    }
    return logs.length;
  }

  async flush(): Promise<void> {
    await this.tracerProvider.forceFlush();
    await this.loggerProvider?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.loggerProvider?.shutdown();
  }
}
