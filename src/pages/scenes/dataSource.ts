/**
 * How the app's scenes reach the backend: page data through SceneQueryRunners on our data source (Grafana's
 * query path: cancelled and replaced when a newer query runs), user actions (stop, delete, upload) through the
 * data source instance's API client, so the token stays in the data source's secure settings.
 */
import { getDataSourceSrv } from '@grafana/runtime';
import { SceneQueryRunner } from '@grafana/scenes';
import type { KongDebuggerQuery } from '../../datasource/types';
import { DATASOURCE_TYPE } from '../constants';
import type { PagesApi } from '../useDebuggerApi';

export interface DsInfo {
  uid: string;
  type: string;
  name: string;
}

/** The first Kong Debugger data source instance, or undefined when none is configured. */
export function findDataSource(): DsInfo | undefined {
  const s = getDataSourceSrv().getList({ type: DATASOURCE_TYPE })[0];
  return s ? { uid: s.uid, type: s.type ?? DATASOURCE_TYPE, name: s.name } : undefined;
}

export const NO_DATASOURCE = `No "Kong Debugger" data source is configured. Add one (type ${DATASOURCE_TYPE}) under Connections → Data sources.`;

export type KongQuery = Omit<KongDebuggerQuery, 'refId'> & { refId?: string };

/** A query runner on our data source (refIds A, B, ... unless given). */
export function kongQueries(ds: DsInfo, queries: KongQuery[], opts: { maxDataPoints?: number } = {}): SceneQueryRunner {
  return new SceneQueryRunner({
    datasource: { uid: ds.uid, type: ds.type },
    queries: queries.map((q, i) => ({ refId: q.refId ?? String.fromCharCode(65 + i), ...q })),
    ...opts,
  });
}

/** The data source's API client, for actions (not page data). */
export async function actionsApi(ds: DsInfo): Promise<PagesApi> {
  const instance = (await getDataSourceSrv().get({ uid: ds.uid, type: ds.type })) as unknown as { api?: PagesApi };
  if (!instance.api) {
    throw new Error(`Data source ${ds.name} does not expose the debugger API.`);
  }
  return instance.api;
}
