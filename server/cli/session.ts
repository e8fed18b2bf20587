import { Command, InvalidArgumentError } from 'commander';
import type { CreateSessionRequest, EntityList, SamplingRule, Session } from '../../common/api';
import { formatSessions } from './format';
import { formatTracing, resolveRefs } from './kong-options';
import { client, clientOptions, intArg, print } from './options';

/** `session start|list|stop|delete`, through the REST API. */
export function addSessionCommands(program: Command): void {
  const session = program.command('session').description('start, list, stop and delete debug sessions');

  clientOptions(
    session
      .command('start')
      .description('start a debug session; give --expression (advanced rule) or --route/--service ids (basic rule)')
      .option('--name <name>', 'session name')
      .option('-e, --expression <expr>', "advanced rule in Kong's expressions language, e.g. 'http.response.status_code >= 500'")
      .option('--route <name or id...>', 'basic rule: routes, by name (as Kong knows it) or id')
      .option('--service <name or id...>', 'basic rule: services, by name or id')
      .option('-d, --duration <seconds>', 'duration, 10 to 1800 seconds', intArg('--duration', 10, 1800), 300)
      .option('--max-traces <n>', 'stop after this many traces', intArg('--max-traces', 1, 100000), 200)
      .option('--capture-logs', 'also keep the logs of captured requests', false),
  ).action(async (o) => {
    let rule: SamplingRule;
    if (o.expression && (o.route || o.service)) throw new InvalidArgumentError('give either --expression or --route/--service, not both');
    if (o.expression) rule = { type: 'advanced', expression: o.expression };
    else if (o.route || o.service) {
      let list: Promise<EntityList> | undefined;
      const entities = () => (list ??= client(o).get<EntityList>('/api/v1/entities'));
      const [routeIds, serviceIds] = [await resolveRefs(o.route, 'routes', entities), await resolveRefs(o.service, 'services', entities)];
      rule = { type: 'basic', ...(routeIds ? { routeIds } : {}), ...(serviceIds ? { serviceIds } : {}) };
    }
    else throw new InvalidArgumentError('a sampling rule is required: --expression, --route or --service');
    const req: CreateSessionRequest = { rule, durationSeconds: o.duration, maxTraces: o.maxTraces, captureLogs: o.captureLogs, ...(o.name ? { name: o.name } : {}) };
    const s = await client(o).post<Session>('/api/v1/sessions', req);
    print(o.json, s, () => formatSessions([s]) + formatTracing(s));
  });

  clientOptions(session.command('list').description('list debug sessions, newest first')).action(async (o) => {
    const r = await client(o).get<{ sessions: Session[] }>('/api/v1/sessions');
    print(o.json, r, () => formatSessions(r.sessions));
  });

  clientOptions(session.command('stop').description('stop a running session (status cancelled)').argument('<id>')).action(async (id, o) => {
    const s = await client(o).post<Session>(`/api/v1/sessions/${encodeURIComponent(id)}/stop`, {});
    print(o.json, s, () => formatSessions([s]));
  });

  clientOptions(session.command('delete').description('delete a session with its traces and logs').argument('<id>')).action(async (id, o) => {
    await client(o).delete(`/api/v1/sessions/${encodeURIComponent(id)}`);
    print(o.json, { deleted: id }, () => `deleted ${id}`);
  });
}
