import { anyValueJson } from '../otlp/encode-json';

/**
 * Konnect's trace export → OTLP/JSON. Konnect's trace API writes the OTLP structure in snake_case
 * (`resource_spans` / `scope_spans` / `trace_id` / `start_time_unix_nano`, which decode-json.ts reads
 * as is) but attributes as a plain JSON object (`{"http.route": "/", "client.port": 51234}`) rather than a
 * key/value list; the Konnect viewer's own shape names the resource list `batches`. This rewrites
 * those two things and leaves everything else to the OTLP/JSON decoder, so ids (hex or base64), times and
 * numbers (int, double or string) follow one set of rules. Plain values become AnyValues: whole numbers
 * intValue, other numbers doubleValue, objects kvlistValue, arrays arrayValue.
 */
export function konnectToOtlp(input: Record<string, unknown>): { doc: Record<string, unknown>; konnect: boolean } {
  let konnect = false;
  const doc: Record<string, unknown> = { ...input };
  if (doc.batches !== undefined && doc.resourceSpans === undefined && doc.resource_spans === undefined) {
    doc.resourceSpans = doc.batches;
    delete doc.batches;
    konnect = true;
  }
  const fix = (o: unknown): void => {
    if (!isObj(o)) return;
    const a = o.attributes;
    if (isObj(a)) {
      o.attributes = Object.entries(a).map(([key, value]) => ({ key, value: anyValueJson(value as never) }));
      konnect = true;
    }
  };
  const fixedCopy = (x: unknown): unknown => {
    if (!isObj(x)) return x;
    const c = { ...x };
    fix(c);
    return c;
  };
  for (const resourceKey of ['resourceSpans', 'resource_spans', 'resourceLogs', 'resource_logs']) {
    const list = doc[resourceKey];
    if (!Array.isArray(list)) continue;
    // copies all the way down to the items we rewrite, so the caller's object is left as it was
    doc[resourceKey] = list.map((rs) => {
      if (!isObj(rs)) return rs;
      const r = { ...rs };
      r.resource = fixedCopy(r.resource);
      for (const scopeKey of ['scopeSpans', 'scope_spans', 'scopeLogs', 'scope_logs', 'instrumentationLibrarySpans']) {
        const scopes = r[scopeKey];
        if (!Array.isArray(scopes)) continue;
        const target = scopeKey === 'instrumentationLibrarySpans' ? 'scopeSpans' : scopeKey;
        if (target !== scopeKey) delete r[scopeKey];
        r[target] = scopes.map((ss) => {
          if (!isObj(ss)) return ss;
          const s = { ...ss };
          if (s.instrumentationLibrary !== undefined && s.scope === undefined) s.scope = s.instrumentationLibrary;
          s.scope = fixedCopy(s.scope);
          for (const itemKey of ['spans', 'logRecords', 'log_records']) {
            const items = s[itemKey];
            if (!Array.isArray(items)) continue;
            s[itemKey] = items.map((it) => {
              if (!isObj(it)) return it;
              const item = fixedCopy(it) as Record<string, unknown>;
              for (const sub of ['events', 'links']) {
                const xs = item[sub];
                if (Array.isArray(xs)) item[sub] = xs.map(fixedCopy);
              }
              return item;
            });
          }
          return s;
        });
      }
      return r;
    });
  }
  return { doc, konnect };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
