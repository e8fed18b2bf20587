import { from, map, type Observable } from 'rxjs';
import {
  CustomVariableSupport,
  createDataFrame,
  FieldType,
  type DataQueryRequest,
  type DataQueryResponse,
  type MetricFindValue,
} from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { Session, SessionStatus } from '../../common/api';
import type { KongDebuggerDataSource } from './datasource';
import { VariableQueryEditor } from './components/VariableQueryEditor';

/** Query of a dashboard variable: the sessions, optionally only those in some statuses. */
export interface KongVariableQuery extends DataQuery {
  statuses?: SessionStatus[];
}

/** Variable options for sessions: the name is shown, the id is the value the queries use. */
export function sessionOptions(sessions: Session[], statuses?: SessionStatus[]): MetricFindValue[] {
  return sessions
    .filter((s) => !statuses?.length || statuses.includes(s.status))
    .map((s) => ({ text: s.name || s.id, value: s.id }));
}

/** `text`/`value` fields are what Grafana reads variable options from. */
export function optionsFrame(options: MetricFindValue[]) {
  return createDataFrame({
    fields: [
      { name: 'text', type: FieldType.string, values: options.map((o) => o.text) },
      { name: 'value', type: FieldType.string, values: options.map((o) => String(o.value ?? o.text)) },
    ],
  });
}

export class KongVariableSupport extends CustomVariableSupport<KongDebuggerDataSource, KongVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: KongDebuggerDataSource) {
    super();
  }

  query(request: DataQueryRequest<KongVariableQuery>): Observable<DataQueryResponse> {
    const statuses = request.targets[0]?.statuses;
    return from(this.datasource.api.listSessions()).pipe(
      map((sessions) => ({ data: [optionsFrame(sessionOptions(sessions, statuses))] }))
    );
  }
}
