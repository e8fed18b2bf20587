/** Sessions list: status, rule, time left, traces; stop/delete with confirmation; refresh; new session. */
import React, { useCallback, useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, ConfirmModal, LinkButton, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import type { Session } from '../../common/api';
import { ROUTES } from './constants';
import { STATUS_COLOR, STATUS_LABEL, isActive, ruleText, timeLeft } from './format';
import { PagesApi, errorMessage, useDebuggerApi } from './useDebuggerApi';
import { useNow } from './useNow';
import { UploadTraceButton } from './UploadTraceButton';

export function SessionsPage() {
  const { api, error: apiError, loading } = useDebuggerApi();
  return (
    <PluginPage>
      {loading && <LoadingPlaceholder text="Finding the Kong Debugger data source…" />}
      {apiError && (
        <Alert severity="error" title="Kong Debugger is not available">
          {apiError}
        </Alert>
      )}
      {api && <SessionsList api={api} />}
    </PluginPage>
  );
}

type Pending = { action: 'stop' | 'delete'; session: Session };

export function SessionsList({ api }: { api: PagesApi }) {
  const styles = useStyles2(getStyles);
  const now = useNow();
  const [sessions, setSessions] = useState<Session[] | undefined>();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState<Pending>();
  const [reload, setReload] = useState(0);
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  useEffect(() => {
    let cancelled = false;
    api.listSessions().then(
      (list) => {
        if (!cancelled) {
          setSessions(list);
          setError(undefined);
        }
      },
      (e: unknown) => !cancelled && setError(errorMessage(e))
    );
    return () => {
      cancelled = true;
    };
  }, [api, reload]);

  const confirm = async () => {
    if (!pending) {
      return;
    }
    const { action, session } = pending;
    setPending(undefined);
    try {
      if (action === 'stop') {
        await api.stopSession(session.id);
      } else {
        await api.deleteSession(session.id);
      }
    } catch (e) {
      setError(`Could not ${action} "${session.name}": ${errorMessage(e)}`);
      return;
    }
    refresh();
  };

  return (
    <div className={styles.root}>
      <Stack direction="row" justifyContent="space-between" alignItems="center">
        <h2 className={styles.title}>Debug sessions</h2>
        <Stack direction="row" gap={1}>
          <Button variant="secondary" icon="sync" onClick={refresh}>
            Refresh
          </Button>
          <UploadTraceButton api={api} onUploaded={refresh} />
          <LinkButton icon="plus" href={ROUTES.newSession}>
            New session
          </LinkButton>
        </Stack>
      </Stack>
      {error && (
        <Alert severity="error" title="Request failed" onRemove={() => setError(undefined)}>
          {error}
        </Alert>
      )}
      {sessions === undefined && !error && <LoadingPlaceholder text="Loading sessions…" />}
      {sessions?.length === 0 && (
        <p className={styles.empty}>No debug sessions yet. Start one to capture traces matching a sampling rule.</p>
      )}
      {sessions && sessions.length > 0 && (
        <table className={styles.table} aria-label="Sessions">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Rule</th>
              <th>Time left</th>
              <th>Traces</th>
              <th>Logs</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>
                  {/* A plain anchor: Grafana routes in-app hrefs itself; @grafana/ui's TextLink would bind to its own router copy. */}
                  <a className={styles.link} href={ROUTES.session(s.id)}>
                    {s.name || s.id}
                  </a>
                </td>
                <td>
                  <Badge text={STATUS_LABEL[s.status]} color={STATUS_COLOR[s.status]} />
                </td>
                <td className={styles.rule}>
                  <span className={styles.ruleType}>{s.rule.type}</span> <code>{ruleText(s.rule)}</code>
                </td>
                <td>{timeLeft(s, now)}</td>
                <td>
                  {s.traceCount} / {s.maxTraces}
                </td>
                <td>{s.captureLogs ? s.logCount : '—'}</td>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
                <td>
                  <div className={styles.actions}>
                    {isActive(s) && (
                      <Button
                        size="sm"
                        variant="secondary"
                        icon="square-shape"
                        onClick={() => setPending({ action: 'stop', session: s })}
                      >
                        Stop
                      </Button>
                    )}
                    <Button
                      size="sm"
                      variant="destructive"
                      icon="trash-alt"
                      aria-label={`Delete ${s.name}`}
                      onClick={() => setPending({ action: 'delete', session: s })}
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
        onConfirm={confirm}
        onDismiss={() => setPending(undefined)}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  title: css({ margin: 0 }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  empty: css({ color: theme.colors.text.secondary }),
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
  rule: css({ maxWidth: 420, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  ruleType: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  actions: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end' }),
});
