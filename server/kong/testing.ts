import type { Session } from '../../common/api';
import { encodeTracesProtobuf } from '../otlp/testing';
import { attr, kongRequest, tracesPayload } from '../testing/otlp-builders';

/** polls until `check` returns a value (not undefined/false), or fails after `ms` */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Does what open-source Kong's opentelemetry plugin does with `config`: one request's spans (old attribute
 * names, no route or service id on any span), protobuf, POSTed to config.traces_endpoint with config.headers,
 * the resource = Kong's defaults merged with config.resource_attributes. Returns the HTTP status.
 */
export async function exportAsOssKong(config: Record<string, any>, spec: { status?: number; path?: string } = {}): Promise<{ status: number; traceId: string }> {
  const t = kongRequest({ oss: true, status: spec.status, path: spec.path });
  const resource = { ...{ 'service.name': 'kong', 'service.version': '3.9.1', 'service.instance.id': 'node-1' }, ...(config.resource_attributes ?? {}) } as Record<string, string>;
  const res = await fetch(config.traces_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', ...(config.headers ?? {}) },
    body: encodeTracesProtobuf(tracesPayload(t.spans, { attributes: Object.entries(resource).map(([k, v]) => attr(k, v)) })),
  });
  return { status: res.status, traceId: t.traceId };
}

export type { Session };
