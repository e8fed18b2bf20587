import { Command, InvalidArgumentError } from 'commander';
import type { TraceList, TraceSearchResult, ValidateExpressionResponse } from '../../common/api';
import { formatTraces, formatValidation } from './format';
import { client, clientOptions, intArg, print } from './options';

/** `traces` and `validate`: reading captured traces and checking a rule, through the REST API. */
export function addTraceCommands(program: Command): void {
  clientOptions(
    program
      .command('traces')
      .description("list traces newest first: a session's (with <session-id>), else the tenant's across its sessions")
      .argument('[session-id]', 'only this session; without it, every session of the token\'s tenant')
      .option('--status <status>', 'status code, class (5xx) or range (500-599)')
      .option('--method <method>')
      .option('--path <prefix>', 'request path prefix')
      .option('--min-duration <ms>', 'slower than this, in ms')
      .option('--errors', 'only failed requests (5xx, no upstream answer, plugin error, client abort)')
      .option('--span-errors', 'only traces with a span in error (a failed try, a router miss), failed or not')
      .option('--route <id>', 'route id')
      .option('--service <id>', 'service id')
      .option('--from <time>', 'started at or after: Unix ms or an ISO 8601 time')
      .option('--to <time>', 'started at or before: Unix ms or an ISO 8601 time')
      .option('--request-id <id>', "Kong's request id (the X-Kong-Request-Id response header); across sessions only")
      .option('--trace-id <id>', 'trace id, hex or base64; across sessions only')
      .option('--consumer <id>', 'consumer id; across sessions only')
      .option('--client-ip <address>', "the client's address as Kong reported it; across sessions only")
      .option('--host <host>', 'request host; across sessions only')
      .option('--upstream-status <status>', "the upstream's status: code, class or range; across sessions only")
      .option('--attr <key=value>', 'a span attribute the trace carries (repeatable); across sessions only', collectAttr, [])
      .option('--cursor <cursor>', 'the next page: the cursor a previous --json answer gave')
      .option('--limit <n>', 'how many', intArg('--limit', 1, 1000), 20),
  ).action(async (id: string | undefined, o) => {
    const q = new URLSearchParams();
    const set = (name: string, v: string | undefined) => v !== undefined && q.set(name, v);
    set('status', o.status);
    set('method', o.method);
    set('path', o.path);
    set('minDurationMs', o.minDuration);
    if (o.errors) q.set('errorsOnly', 'true');
    if (o.spanErrors) q.set('spanErrorsOnly', 'true');
    set('routeId', o.route);
    set('serviceId', o.service);
    set('from', o.from);
    set('to', o.to);
    set('cursor', o.cursor);
    q.set('limit', String(o.limit));
    const across = { requestId: o.requestId, traceId: o.traceId, consumerId: o.consumer, clientAddress: o.clientIp, host: o.host, upstreamStatus: o.upstreamStatus };
    if (id === undefined) {
      for (const [name, v] of Object.entries(across)) set(name, v);
      for (const [k, v] of o.attr as Array<[string, string]>) q.append(`attr.${k}`, v);
      const r = await client(o).get<TraceSearchResult>(`/api/v1/traces?${q}`);
      print(o.json, r, () => formatTraces(r.traces, { sessions: true, partial: r.partial === true }));
      return;
    }
    const only = Object.entries({ ...across, attr: (o.attr as unknown[]).length ? 'x' : undefined }).filter(([, v]) => v !== undefined);
    if (only.length) throw new InvalidArgumentError(`${only.map(([k]) => FLAG[k]).join(', ')}: search across sessions (leave out the session id)`);
    const r = await client(o).get<TraceList>(`/api/v1/sessions/${encodeURIComponent(id)}/traces?${q}`);
    print(o.json, r, () => formatTraces(r.traces));
  });

  clientOptions(program.command('validate').description('check a sampling rule against the server').argument('<expression>')).action(async (expr, o) => {
    const r = await client(o).post<ValidateExpressionResponse>('/api/v1/expressions/validate', { expression: expr });
    print(o.json, r, () => formatValidation(expr, r));
    if (!r.valid) process.exitCode = 1;
  });
}

const FLAG: Record<string, string> = {
  requestId: '--request-id',
  traceId: '--trace-id',
  consumerId: '--consumer',
  clientAddress: '--client-ip',
  host: '--host',
  upstreamStatus: '--upstream-status',
  attr: '--attr',
};

/** `--attr key=value`, repeatable */
function collectAttr(v: string, acc: Array<[string, string]>): Array<[string, string]> {
  const i = v.indexOf('=');
  if (i <= 0 || i === v.length - 1) throw new InvalidArgumentError(`--attr needs key=value, e.g. --attr http.route=/orders; got "${v}"`);
  return [...acc, [v.slice(0, i), v.slice(i + 1)]];
}
