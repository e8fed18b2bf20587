/**
 * One session: status header (stop), the session summary map, the traces table with filters; a clicked
 * trace shows its own summary map and its logs (plus a link to Explore); otherwise the session's logs.
 */
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, urlUtil } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, ConfirmModal, LinkButton, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { useParams } from 'react-router-dom';
import type { LogRecord, Session, TraceListItem } from '../../common/api';
import { LogsView } from '../panels/debuglogs/LogsView';
import { rowLinks } from '../panels/debuglogs/links';
import { LifecycleMap } from '../panels/lifecyclemap/LifecycleMap';
import { ReadResult } from '../panels/lifecyclemap/model';
import { ROUTES } from './constants';
import { STATUS_COLOR, STATUS_LABEL, isActive, ruleText, timeLeft } from './format';
import { logsModel, sessionSummaryView, traceSummaryView } from './summaryView';
import { TracesTable } from './TracesTable';
import { TraceAnalysis } from './TraceAnalysis';
import { useEntityNames } from './useEntityNames';
import { PagesApi, errorMessage, useDebuggerApi } from './useDebuggerApi';
import { useNow } from './useNow';

const POLL_MS = 5000;
const LOG_LIMIT = 1000;

export function SessionDetailPage() {
  const { id = '' } = useParams();
  const { api, dsUid, dsName, error, loading } = useDebuggerApi();
  return (
    <PluginPage>
      {loading && <LoadingPlaceholder text="Finding the Kong Debugger data source…" />}
      {error && (
        <Alert severity="error" title="Kong Debugger is not available">
          {error}
        </Alert>
      )}
      {api && <SessionDetail api={api} sessionId={id} ds={{ uid: dsUid ?? '', name: dsName ?? '' }} />}
    </PluginPage>
  );
}

export interface SessionDetailProps {
  api: PagesApi;
  sessionId: string;
  ds: { uid: string; name: string };
}

export function SessionDetail({ api, sessionId, ds }: SessionDetailProps) {
  const styles = useStyles2(getStyles);
  const now = useNow();
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const [confirmStop, setConfirmStop] = useState(false);
  const [selected, setSelected] = useState<TraceListItem>();
  const [sessionMap, setSessionMap] = useState<ReadResult>();
  const [traceMapOf, setTraceMapOf] = useState<{ traceId: string; result: ReadResult }>();
  const [logs, setLogs] = useState<LogRecord[]>();
  const [logsError, setLogsError] = useState<string>();
  // compare mode: 'typical' or the trace picked in the table
  const [compareTo, setCompareTo] = useState<string>();
  const [picking, setPicking] = useState(false);
  const nameOf = useEntityNames(api);

  useEffect(() => {
    let cancelled = false;
    api.getSession(sessionId).then(
      (s) => {
        if (!cancelled) {
          setSession(s);
          setError(undefined);
        }
      },
      (e: unknown) => !cancelled && setError(errorMessage(e))
    );
    return () => {
      cancelled = true;
    };
  }, [api, sessionId, tick]);

  // Keep the header, table and summary current while the session captures.
  const active = session ? isActive(session) : false;
  useEffect(() => {
    if (!active) {
      return;
    }
    const t = setInterval(() => setTick((n) => n + 1), POLL_MS);
    return () => clearInterval(t);
  }, [active]);

  useEffect(() => {
    api.getSessionSummary(sessionId).then(
      (s) => setSessionMap(sessionSummaryView(s)),
      (e) => setSessionMap({ ok: false, error: errorMessage(e) })
    );
  }, [api, sessionId, tick]);

  const traceId = selected?.traceId;
  useEffect(() => {
    if (!traceId) {
      return;
    }
    api.getTraceSummary(traceId).then(
      (s) => setTraceMapOf({ traceId, result: traceSummaryView(s) }),
      (e) => setTraceMapOf({ traceId, result: { ok: false, error: errorMessage(e) } })
    );
  }, [api, traceId]);
  // Only the selected trace's summary (a late answer for an earlier click is ignored).
  const traceMap = traceMapOf && traceMapOf.traceId === traceId ? traceMapOf.result : undefined;
  useEffect(() => {
    api.listLogs(sessionId, { traceId, limit: LOG_LIMIT }).then(
      (r) => (setLogs(r.logs), setLogsError(undefined)),
      (e) => setLogsError(errorMessage(e))
    );
  }, [api, sessionId, traceId, tick]);

  const logsResult = useMemo(() => (logs ? logsModel(logs, ds, sessionId) : undefined), [logs, ds, sessionId]);
  const model = logsResult?.ok === true ? logsResult.model : undefined;
  const getRowLinks = useCallback(
    (row: Parameters<typeof rowLinks>[1]) => (model ? rowLinks(model, row, (s) => s ?? '') : []),
    [model]
  );

  const stop = async () => {
    setConfirmStop(false);
    try {
      setSession(await api.stopSession(sessionId));
    } catch (e) {
      setError(`Could not stop the session: ${errorMessage(e)}`);
    }
  };

  if (!session) {
    return error ? (
      <Alert severity="error" title="Could not load the session">
        {error}
      </Alert>
    ) : (
      <LoadingPlaceholder text="Loading session…" />
    );
  }

  return (
    <div className={styles.root}>
      <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
        <Stack direction="row" gap={1} alignItems="center">
          <h2 className={styles.title}>{session.name || session.id}</h2>
          <Badge text={STATUS_LABEL[session.status]} color={STATUS_COLOR[session.status]} />
        </Stack>
        <Stack direction="row" gap={1}>
          <LinkButton variant="secondary" icon="arrow-left" href={ROUTES.sessions}>
            Sessions
          </LinkButton>
          <Button variant="secondary" icon="sync" onClick={() => setTick((n) => n + 1)}>
            Refresh
          </Button>
          {active && (
            <Button variant="destructive" icon="square-shape" onClick={() => setConfirmStop(true)}>
              Stop
            </Button>
          )}
        </Stack>
      </Stack>
      <dl className={styles.facts}>
        <dt>Rule</dt>
        <dd>
          {session.rule.type}: <code>{ruleText(session.rule, nameOf)}</code>
        </dd>
        {session.tracing && (
          <>
            <dt>Kong tracing</dt>
            <dd aria-label="Kong tracing">
              <Badge text={session.tracing.mode} color={session.tracing.mode === 'unmanaged' ? 'orange' : 'blue'} />{' '}
              {session.tracing.message}
              {session.tracing.notCaptured.length > 0 && (
                <details>
                  <summary>Not guaranteed to be captured</summary>
                  <ul>
                    {session.tracing.notCaptured.map((n) => (
                      <li key={n}>{n}</li>
                    ))}
                  </ul>
                </details>
              )}
              {session.tracing.manualConfig && (
                <details>
                  <summary>Plugin configuration to add by hand</summary>
                  <pre>{session.tracing.manualConfig}</pre>
                </details>
              )}
            </dd>
          </>
        )}
        <dt>Time left</dt>
        <dd>{timeLeft(session, now)}</dd>
        <dt>Traces</dt>
        <dd>
          {session.traceCount} / {session.maxTraces}
        </dd>
        <dt>Logs</dt>
        <dd>{session.captureLogs ? session.logCount : 'not captured'}</dd>
      </dl>
      {error && (
        <Alert severity="error" title="Request failed">
          {error}
        </Alert>
      )}

      <section aria-label="Session summary">
        <h3>Session summary</h3>
        <SummaryBlock result={sessionMap} emptyText="No traces yet: the summary appears once traces are captured." />
      </section>

      <section aria-label="Traces">
        <h3>Traces</h3>
        <TracesTable
          api={api}
          sessionId={sessionId}
          selectedTraceId={traceId}
          onSelect={(t) => {
            if (picking && traceId && t.traceId !== traceId) {
              setCompareTo(t.traceId);
              setPicking(false);
              return;
            }
            setCompareTo(undefined);
            setPicking(false);
            setSelected(t.traceId === traceId ? undefined : t);
          }}
          reloadKey={tick}
          nameOf={nameOf}
        />
      </section>

      {selected && (
        <section aria-label="Trace summary">
          <Stack direction="row" justifyContent="space-between" alignItems="center">
            <h3>
              Trace <code>{selected.traceId}</code>
              {selected.routeId && (
                <span title={selected.routeId}> · route {nameOf('route', selected.routeId) ?? selected.routeId}</span>
              )}
            </h3>
            <Stack direction="row" gap={1}>
              <LinkButton variant="secondary" icon="compass" href={exploreTraceUrl(ds, selected.traceId, sessionId)}>
                Open in Explore
              </LinkButton>
              <Button variant="secondary" icon="times" onClick={() => setSelected(undefined)}>
                Close
              </Button>
            </Stack>
          </Stack>
          <TraceAnalysis
            api={api}
            sessionId={sessionId}
            traceId={selected.traceId}
            summary={traceMap}
            compareTo={compareTo}
            picking={picking}
            onCompare={(to) => {
              setCompareTo(to);
              setPicking(false);
            }}
            onPick={() => setPicking((p) => !p)}
          />
        </section>
      )}

      <section aria-label="Logs">
        <h3>{selected ? 'Logs of this trace' : 'Session logs'}</h3>
        {!session.captureLogs && <p className={styles.muted}>This session does not capture logs.</p>}
        {logsError && (
          <Alert severity="error" title="Could not load logs">
            {logsError}
          </Alert>
        )}
        {logsResult?.ok === false && (
          <Alert severity="error" title="Could not show logs">
            {logsResult.error}
          </Alert>
        )}
        {logsResult?.ok === 'empty' && <p className={styles.muted}>No log lines.</p>}
        {model && (
          <LogsView
            rows={model.rows}
            height={Math.min(480, 40 + 28 * Math.max(3, model.rows.length))}
            getRowLinks={getRowLinks}
          />
        )}
      </section>

      <ConfirmModal
        isOpen={confirmStop}
        title="Stop session"
        body={`Stop "${session.name}"? It stops capturing; its traces are kept.`}
        confirmText="Stop"
        onConfirm={stop}
        onDismiss={() => setConfirmStop(false)}
      />
    </div>
  );
}

function SummaryBlock({ result, emptyText }: { result?: ReadResult; emptyText: string }) {
  if (!result) {
    return <LoadingPlaceholder text="Loading summary…" />;
  }
  if (result.ok === 'empty') {
    return <p>{emptyText}</p>;
  }
  if (result.ok === false) {
    return (
      <Alert severity="error" title="Could not draw the summary">
        {result.error}
      </Alert>
    );
  }
  return <LifecycleMap view={result.view} />;
}

/** Explore with our data source's trace query (Grafana's trace view). */
export function exploreTraceUrl(ds: { uid: string }, traceId: string, sessionId: string): string {
  const pane = {
    datasource: ds.uid,
    queries: [{ refId: 'A', datasource: { uid: ds.uid }, queryType: 'trace', traceId, sessionId }],
    range: { from: 'now-24h', to: 'now' },
  };
  return urlUtil.renderUrl('/explore', { schemaVersion: 1, panes: JSON.stringify({ trace: pane }) });
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  title: css({ margin: 0 }),
  facts: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
  muted: css({ color: theme.colors.text.secondary }),
});
