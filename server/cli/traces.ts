import { Command } from 'commander';
import type { TraceList, ValidateExpressionResponse } from '../../common/api';
import { formatTraces, formatValidation } from './format';
import { client, clientOptions, intArg, print } from './options';

/** `traces` and `validate`: reading captured traces and checking a rule, through the REST API. */
export function addTraceCommands(program: Command): void {
  clientOptions(
    program
      .command('traces')
      .description("list a session's captured traces, newest first")
      .argument('<session-id>')
      .option('--status <status>', 'status code, class (5xx) or range (500-599)')
      .option('--method <method>')
      .option('--path <prefix>', 'request path prefix')
      .option('--min-duration <ms>', 'slower than this, in ms')
      .option('--errors', 'only failed requests (5xx, no upstream answer, plugin error, client abort)')
      .option('--span-errors', 'only traces with a span in error (a failed try, a router miss), failed or not')
      .option('--limit <n>', 'how many', intArg('--limit', 1, 1000), 20),
  ).action(async (id, o) => {
    const q = new URLSearchParams();
    if (o.status) q.set('status', o.status);
    if (o.method) q.set('method', o.method);
    if (o.path) q.set('path', o.path);
    if (o.minDuration) q.set('minDurationMs', o.minDuration);
    if (o.errors) q.set('errorsOnly', 'true');
    if (o.spanErrors) q.set('spanErrorsOnly', 'true');
    q.set('limit', String(o.limit));
    const r = await client(o).get<TraceList>(`/api/v1/sessions/${encodeURIComponent(id)}/traces?${q}`);
    print(o.json, r, () => formatTraces(r.traces));
  });

  clientOptions(program.command('validate').description('check a sampling rule against the server').argument('<expression>')).action(async (expr, o) => {
    const r = await client(o).post<ValidateExpressionResponse>('/api/v1/expressions/validate', { expression: expr });
    print(o.json, r, () => formatValidation(expr, r));
    if (!r.valid) process.exitCode = 1;
  });
}
