/**
 * The app pages talk to the backend through the (first) Kong Debugger data source instance, so the
 * API token stays in that instance's secure settings and every call goes through Grafana's proxy.
 */
import { useEffect, useState } from 'react';
import { getDataSourceSrv } from '@grafana/runtime';
import type { DebuggerApi } from '../datasource/api';
import { DATASOURCE_TYPE } from './constants';

/** What the pages use of the data source's client (a Pick, so tests can pass a plain object). */
export type PagesApi = Pick<
  DebuggerApi,
  | 'listSessions'
  | 'getSession'
  | 'createSession'
  | 'stopSession'
  | 'deleteSession'
  | 'validateExpression'
  | 'listTraces'
  | 'getTrace'
  | 'getTraceSummary'
  | 'getSessionSummary'
  | 'listLogs'
  | 'listTraceLogs'
  | 'listEntities'
  | 'compareTraces'
  | 'compareWithTypical'
  | 'getAbnormal'
  | 'getStatistics'
  | 'exportTrace'
  | 'uploadTrace'
>;

export interface ApiState {
  api?: PagesApi;
  /** the data source instance (for links into Explore) */
  dsUid?: string;
  dsName?: string;
  error?: string;
  loading: boolean;
}

export function useDebuggerApi(): ApiState {
  const [state, setState] = useState<ApiState>({ loading: true });
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const settings = getDataSourceSrv().getList({ type: DATASOURCE_TYPE })[0];
      if (!settings) {
        throw new Error(
          `No "Kong Debugger" data source is configured. Add one (type ${DATASOURCE_TYPE}) under Connections → Data sources.`
        );
      }
      const ds = (await getDataSourceSrv().get(settings.uid)) as unknown as { api?: PagesApi };
      if (!ds.api) {
        throw new Error(`Data source ${settings.name} does not expose the debugger API.`);
      }
      return { api: ds.api, dsUid: settings.uid, dsName: settings.name, loading: false };
    })().then(
      (s) => !cancelled && setState(s),
      (e: unknown) => !cancelled && setState({ loading: false, error: errorMessage(e) })
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return state;
}

/** The backend's message (DebuggerApiError carries ApiError.message), whatever was thrown. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}
