/**
 * Sessions page body: every session with status, rule (Kong's names once known), gateway tracing mode, time left,
 * traces/cap, logs, created by; stop, delete (confirmed) and "run again" (New session pre-filled). Data: the
 * data source's `sessions` query.
 */
import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { SceneComponentProps, SceneObjectBase, SceneObjectState, SceneQueryRunner, sceneGraph } from '@grafana/scenes';
import { Alert, Badge, Button, ConfirmModal, LinkButton, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { ROUTES } from '../constants';
import { STATUS_COLOR, STATUS_LABEL } from '../format';
import { UploadTraceButton } from '../UploadTraceButton';
import { errorMessage, type PagesApi } from '../useDebuggerApi';
import { useNow } from '../useNow';
import { DsInfo, actionsApi, kongQueries } from './dataSource';
import { SessionRow, findFrame, isActiveStatus, rowsOf, timeLeftOf } from './rows';

interface SessionsTableState extends SceneObjectState {
  ds: DsInfo;
  error?: string;
  pending?: { action: 'stop' | 'delete'; session: SessionRow };
  /** the data source's API client, for the actions */
  api?: PagesApi;
}

export class SessionsTable extends SceneObjectBase<SessionsTableState> {
  static Component = SessionsTableRenderer;

  constructor(state: Omit<SessionsTableState, '$data'>) {
    super({ ...state, $data: kongQueries(state.ds, [{ queryType: 'sessions' }]) });
    this.addActivationHandler(() => {
      if (!this.state.api) {
        actionsApi(this.state.ds).then(
          (api) => this.setState({ api }),
          (e) => this.setState({ error: errorMessage(e) })
        );
      }
    });
  }

  refresh = () => (this.state.$data as SceneQueryRunner).runQueries();

  confirm = async () => {
    const { pending, ds } = this.state;
    if (!pending) {
      return;
    }
    this.setState({ pending: undefined });
    try {
      const api = this.state.api ?? (await actionsApi(ds));
      await (pending.action === 'stop' ? api.stopSession(pending.session.id) : api.deleteSession(pending.session.id));
      this.setState({ error: undefined });
    } catch (e) {
      this.setState({ error: `Could not ${pending.action} "${pending.session.name}": ${errorMessage(e)}` });
      return;
    }
    this.refresh();
  };
}

function SessionsTableRenderer({ model }: SceneComponentProps<SessionsTable>) {
  const styles = useStyles2(getStyles);
  const now = useNow();
  const { error, pending, api } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const frame = findFrame(data?.series, 'sessions');
  const sessions = rowsOf<SessionRow>(frame);
  const queryError = data?.errors?.[0]?.message;
  const loading = !frame && !queryError;

  return (
    <div className={styles.root}>
      <Stack direction="row" justifyContent="flex-end" gap={1}>
        <Button variant="secondary" icon="sync" onClick={model.refresh}>
          Refresh
        </Button>
        {api && <UploadTraceButton api={api} onUploaded={model.refresh} />}
        <LinkButton icon="plus" href={ROUTES.newSession}>
          New session
        </LinkButton>
      </Stack>
      {(error || queryError) && (
        <Alert severity="error" title="Request failed" onRemove={error ? () => model.setState({ error: undefined }) : undefined}>
          {error ?? queryError}
        </Alert>
      )}
      {loading && <LoadingPlaceholder text="Loading sessions…" />}
      {frame && sessions.length === 0 && (
        <p className={styles.muted}>No debug sessions yet. Start one to capture traces matching a sampling rule.</p>
      )}
      {sessions.length > 0 && (
        <table className={styles.table} aria-label="Sessions">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Rule</th>
              <th>Gateway</th>
              <th>Time left</th>
              <th>Traces</th>
              <th>Logs</th>
              <th>Created by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>
                  {/* A plain anchor: Grafana routes in-app hrefs itself. */}
                  <a className={styles.link} href={ROUTES.session(s.id)}>
                    {s.name || s.id}
                  </a>
                </td>
                <td>
                  <Badge text={STATUS_LABEL[s.status] ?? s.status} color={STATUS_COLOR[s.status] ?? 'blue'} />
                </td>
                <td className={styles.rule} title={s.rule}>
                  <span className={styles.muted}>{s.ruleType}</span> <code>{s.rule}</code>
                </td>
                <td title="How Kong's tracing was set up for this session">{s.tracingMode ?? '—'}</td>
                <td>{timeLeftOf(s, now)}</td>
                <td>
                  {s.traceCount} / {s.maxTraces}
                </td>
                <td>{s.captureLogs ? s.logCount : '—'}</td>
                <td>
                  {s.createdBy ?? '—'}
                  <div className={styles.muted}>{s.createdAt ? new Date(s.createdAt).toLocaleString() : ''}</div>
                </td>
                <td>
                  <div className={styles.actions}>
                    {isActiveStatus(s.status) && (
                      <Button size="sm" variant="secondary" icon="square-shape" onClick={() => model.setState({ pending: { action: 'stop', session: s } })}>
                        Stop
                      </Button>
                    )}
                    <LinkButton size="sm" variant="secondary" icon="repeat" href={ROUTES.runAgain(s.id)} aria-label={`Run ${s.name} again`}>
                      Run again
                    </LinkButton>
                    <Button
                      size="sm"
                      variant="destructive"
                      icon="trash-alt"
                      aria-label={`Delete ${s.name}`}
                      onClick={() => model.setState({ pending: { action: 'delete', session: s } })}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmModal
        isOpen={!!pending}
        title={pending?.action === 'stop' ? 'Stop session' : 'Delete session'}
        body={
          pending?.action === 'stop'
            ? `Stop "${pending.session.name}"? It stops capturing; its traces are kept.`
            : `Delete "${pending?.session.name}" and all its traces and logs? This cannot be undone.`
        }
        confirmText={pending?.action === 'stop' ? 'Stop' : 'Delete'}
        onConfirm={model.confirm}
        onDismiss={() => model.setState({ pending: undefined })}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      padding: theme.spacing(1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      textAlign: 'left',
      verticalAlign: 'middle',
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  rule: css({ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  actions: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end' }),
});
