import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LoadingState, type PanelData } from '@grafana/data';
import { TRACE_ID, fakeApi, installDataSource, logLine, logsPanelLines as panelLines, session } from '../testing';
import type { Session } from '../../../common/api';
import { LiveStreamError } from '../../datasource/live/connect';
import { DATASOURCE_TYPE } from '../constants';
import { LogsScene, NEWEST_PAGE, levelsFromUrl, liveOutcome, logsPageFilters, newerPage, olderPage, pageFromUrl, streamsLogs } from './LogsScene';
import { logsQuery } from './logsView';
import { tabScene } from './pageRange';
import type { SessionRow } from './rows';

// Scenes render many Grafana UI components; a busy shared machine makes single tests take seconds.
jest.setTimeout(30_000);

const ds = { uid: 'kdbg', type: DATASOURCE_TYPE, name: 'Kong Debugger' };

/** the session as the sessions frame gives it (what `follow` reads) */
const row = (over: Partial<SessionRow> = {}): SessionRow => ({ id: 's1', status: 'in_progress', captureLogs: true, ...over }) as SessionRow;

const data = (state: LoadingState, requestId: string, live = true, message?: string): PanelData =>
  ({
    state,
    series: [],
    timeRange: {} as never,
    request: { requestId, targets: [{ refId: 'logs', live: live || undefined }] } as never,
    ...(message ? { errors: [{ message }] } : {}),
  }) as PanelData;


/** The scene in a tab's scene (the default range), drawn as the app draws it. */
function show(logs: LogsScene) {
  const scene = tabScene(logs);
  return render(<scene.Component model={scene} />);
}

/** A session's view on a backend whose logs `listLogs` answers, drawn, its first page shown (before its owner's read of the session). */
async function sessionView(listLogs: jest.Mock, levels?: string[]) {
  const api = fakeApi({ listLogs });
  const live = installDataSource(api);
  const logs = new LogsScene({ ds, scope: { kind: 'session', sessionId: 's1' }, levels });
  show(logs);
  await waitFor(() => expect(panelLines().length).toBeGreaterThan(0));
  return { api, live, logs };
}

describe('logs paging', () => {
  it('goes older by the server cursor and back one page at a time, to the newest and no further', () => {
    const second = olderPage(NEWEST_PAGE, 'c1');
    const third = olderPage(second, 'c2');
    expect(second).toEqual({ cursor: 'c1', newer: [undefined] });
    expect(third).toEqual({ cursor: 'c2', newer: [undefined, 'c1'] });
    expect(newerPage(third)).toEqual(second);
    expect(newerPage(second)).toEqual({ cursor: undefined, newer: [] });
    expect(newerPage(NEWEST_PAGE)).toEqual({ cursor: undefined, newer: [] });
  });

  it('a page the URL names: one seen before pops the way back, another has the newest page before it', () => {
    const third = { cursor: 'c2', newer: [undefined, 'c1'] };
    expect(pageFromUrl(third, 'c1')).toEqual({ cursor: 'c1', newer: [undefined] });
    expect(pageFromUrl(third, undefined)).toEqual({ cursor: undefined, newer: [] });
    expect(pageFromUrl(third, 'c9')).toEqual({ cursor: 'c9', newer: [undefined] });
    expect(pageFromUrl(NEWEST_PAGE, undefined)).toEqual({ cursor: undefined, newer: [] });
  });

  it('reads ?level= as a list, empty when absent', () => {
    expect(levelsFromUrl('error,crit')).toEqual(['error', 'crit']);
    expect(levelsFromUrl('')).toEqual([]);
    expect(levelsFromUrl(null)).toEqual([]);
  });

  it("reads a live page's cursor with the page's own filters: a trace's or span's whatever the range, a session's in it", () => {
    const range = { from: 1, to: 2 };
    const sessionWide = logsQuery(undefined, { session: 's1', levels: ['error', 'warn'], limit: 200, live: true });
    expect(logsPageFilters(sessionWide, range)).toEqual({ traceId: undefined, spanId: undefined, level: 'error,warn', limit: 200, from: 1, to: 2 });
    const trace = logsQuery(TRACE_ID, { session: 's1', span: 'aaaaaaaaaaaaaaaa', levels: [], limit: 50, live: true });
    expect(logsPageFilters(trace, range)).toEqual({ traceId: TRACE_ID, spanId: 'aaaaaaaaaaaaaaaa', level: undefined, limit: 50 });
  });
});

describe('logs live state', () => {
  it('streams only for a running session that captures logs', () => {
    expect(streamsLogs({ status: 'in_progress', captureLogs: true })).toBe(true);
    expect(streamsLogs({ status: 'pending', captureLogs: true })).toBe(true);
    expect(streamsLogs({ status: 'in_progress', captureLogs: false })).toBe(false);
    expect(streamsLogs({ status: 'completed', captureLogs: true })).toBe(false);
  });

  it("reads the live query's end and failure from the runner's states, nothing else", () => {
    // the stream finished (the session ended): the same request, Done
    expect(liveOutcome(data(LoadingState.Done, 'r1'), data(LoadingState.Streaming, 'r1'))).toEqual({ ended: true });
    // a new live request answering at once is not the old one's end
    expect(liveOutcome(data(LoadingState.Done, 'r2'), data(LoadingState.Streaming, 'r1'))).toBeUndefined();
    expect(liveOutcome(data(LoadingState.Error, 'r1', true, 'too many open streams'), data(LoadingState.Streaming, 'r1'))).toEqual({ failed: 'too many open streams' });
    expect(liveOutcome(data(LoadingState.Error, 'r1'), data(LoadingState.Streaming, 'r1'))).toEqual({ failed: 'the stream failed' });
    // packets of a running stream, and plain reads, say nothing
    expect(liveOutcome(data(LoadingState.Streaming, 'r1'), data(LoadingState.Streaming, 'r1'))).toBeUndefined();
    expect(liveOutcome(data(LoadingState.Done, 'r1', false), data(LoadingState.Loading, 'r1', false))).toBeUndefined();
    expect(liveOutcome(undefined, data(LoadingState.Streaming, 'r1'))).toBeUndefined();
  });
});

describe('LogsScene', () => {
  it("keeps each scope's URL keys: a session's level and page, a trace's session, span and level", () => {
    const bySession = new LogsScene({ ds, scope: { kind: 'session', sessionId: 's1' } });
    expect(bySession.urlSync?.getKeys()).toEqual(['level', 'cursor']);
    bySession.updateFromUrl({ level: 'error,crit', cursor: 'c-9', session: 's2', span: 'aaaaaaaaaaaaaaaa' });
    expect(bySession.state).toMatchObject({ session: 's1', levels: ['error', 'crit'], cursor: 'c-9', newer: [undefined] });
    expect(bySession.state.span).toBeUndefined();
    expect(bySession.getUrlState()).toEqual({ level: 'error,crit', cursor: 'c-9' });
    expect(bySession.query()).toMatchObject({ sessionId: 's1', traceId: undefined, levels: ['error', 'crit'], cursor: 'c-9', limit: 200 });

    const byTrace = new LogsScene({ ds, scope: { kind: 'trace', traceId: TRACE_ID } });
    expect(byTrace.urlSync?.getKeys()).toEqual(['session', 'span', 'level']);
    byTrace.updateFromUrl({ session: 's2', span: 'aaaaaaaaaaaaaaaa', level: 'warn', cursor: 'c-9' });
    expect(byTrace.state).toMatchObject({ session: 's2', span: 'aaaaaaaaaaaaaaaa', levels: ['warn'], cursor: undefined, newer: [] });
    expect(byTrace.getUrlState()).toEqual({ session: 's2', span: 'aaaaaaaaaaaaaaaa', level: 'warn' });
    expect(byTrace.query()).toMatchObject({ sessionId: 's2', traceId: TRACE_ID, spanId: 'aaaaaaaaaaaaaaaa', levels: ['warn'] });
    // an empty value clears
    byTrace.updateFromUrl({ span: '', level: null });
    expect(byTrace.state).toMatchObject({ span: undefined, levels: [] });
  });

  it('a new filter starts again at the newest page', () => {
    const logs = new LogsScene({ ds, scope: { kind: 'trace', traceId: TRACE_ID }, session: 's1', span: 'aaaaaaaaaaaaaaaa' });
    logs.setState(olderPage(olderPage(NEWEST_PAGE, 'c1'), 'c2'));
    logs.setLevels(['error']);
    expect(logs.state).toMatchObject({ levels: ['error'], cursor: undefined, newer: [] });
    logs.setState(olderPage(NEWEST_PAGE, 'c1'));
    logs.clearSpan();
    expect(logs.state).toMatchObject({ span: undefined, cursor: undefined, newer: [] });
  });

  it("a session's view streams once its owner says the session captures logs, once; the end reads the page once more", async () => {
    const { api, live, logs } = await sessionView(jest.fn().mockResolvedValue({ logs: [logLine('a', 1764000000001, 'info', 'captured before')] }));
    // a session that does not capture logs has none to stream
    act(() => logs.follow(row({ captureLogs: false })));
    // another session's row is not this one's
    act(() => logs.follow(row({ id: 's2' })));
    await act(() => new Promise((r) => setTimeout(r, 50)));
    expect(live.opened).toHaveLength(0);
    expect(logs.state.live).toBeFalsy();
    expect(screen.getByRole('region', { name: 'Session logs' })).toHaveTextContent('All traces of this session');

    act(() => logs.follow(row()));
    await waitFor(() => expect(live.openCount()).toBe(1));
    expect(logs.isLivePage()).toBe(true);
    expect(screen.getByRole('region', { name: 'Session logs' })).toHaveTextContent('All traces of this session, live');
    const reads = api.listLogs.mock.calls.length;
    act(() => live.send('status', session({ status: 'completed' })));
    await waitFor(() => expect(live.openCount()).toBe(0));
    await waitFor(() => expect(api.listLogs).toHaveBeenCalledTimes(reads + 1));
    expect(logs.state.live).toBe(false);
    // a read racing the session's end (still running) does not reopen the stream
    act(() => logs.follow(row()));
    await act(() => new Promise((r) => setTimeout(r, 100)));
    expect(live.opened).toHaveLength(1);
    expect(api.listLogs).toHaveBeenCalledTimes(reads + 1);
  });

  it("a trace's view reads its session's status itself: live only while it captures logs, anew for another session", async () => {
    const sessions: Record<string, Session> = { s1: session({ id: 's1', captureLogs: false }), s2: session({ id: 's2' }) };
    const api = fakeApi({ getSession: jest.fn(async (id: string) => sessions[id]) });
    const live = installDataSource(api);
    const logs = new LogsScene({ ds, scope: { kind: 'trace', traceId: TRACE_ID }, session: 's1' });
    show(logs);
    await waitFor(() => expect(api.getSession).toHaveBeenCalledWith('s1'));
    await waitFor(() => expect(api.listLogs).toHaveBeenCalledWith('s1', expect.objectContaining({ traceId: TRACE_ID })));
    await act(() => new Promise((r) => setTimeout(r, 50)));
    expect(live.opened).toHaveLength(0);
    expect(screen.queryByText('Live')).toBeNull();

    // the URL names another session: its status decides
    act(() => logs.updateFromUrl({ session: 's2' }));
    await waitFor(() => expect(api.getSession).toHaveBeenCalledWith('s2'));
    await waitFor(() => expect(live.openCount()).toBe(1));
    expect(live.opened[0]).toBe('/api/datasources/proxy/uid/kdbg/api/v1/sessions/s2/stream?since=now');
    await screen.findByText('Live');
  });

  it("'Load older' on a full live page reads the cursor with the page's filters, then pages without streaming", async () => {
    const page = Array.from({ length: 200 }, (_, i) => logLine(`l${i}`, 1764000000000 + i, 'info', `line ${i}`));
    const listLogs = jest.fn((_s: string, f: { cursor?: string }) =>
      Promise.resolve(f.cursor === 'c-200' ? { logs: [logLine('old', 1763999999999, 'error', 'the oldest')] } : { logs: page, nextCursor: 'c-200' })
    );
    // the owner's read of the session comes after the first page's (a query of its own)
    const { live, logs } = await sessionView(listLogs, ['info', 'error']);
    expect(panelLines()).toHaveLength(200);
    act(() => logs.follow(row()));
    await waitFor(() => expect(live.openCount()).toBe(1));
    // the live page carries no cursor: a full one may have older lines
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load older' })).toBeEnabled());
    const reads = listLogs.mock.calls.length;
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('the oldest'));
    // the cursor read: the session's lines in the page's range, the same levels and size
    const [, cursorRead] = listLogs.mock.calls[reads];
    expect(cursorRead).toMatchObject({ level: 'info,error', limit: 200, from: expect.any(Number), to: expect.any(Number) });
    expect(cursorRead.cursor).toBeUndefined();
    expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ cursor: 'c-200', level: 'info,error' }));
    await waitFor(() => expect(live.openCount()).toBe(0));
    expect(logs.state).toMatchObject({ cursor: 'c-200', newer: [undefined], live: true });
    expect(screen.getByRole('region', { name: 'Session logs' })).toHaveTextContent('All traces of this session, older page');
    // back to the newest page: live again
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(live.openCount()).toBe(1));
  });

  it('a stream that fails for good leaves a plain read and says so', async () => {
    const { api, live, logs } = await sessionView(jest.fn().mockResolvedValue({ logs: [logLine('a', 1764000000001, 'info', 'first')] }));
    act(() => logs.follow(row()));
    await waitFor(() => expect(live.openCount()).toBe(1));
    const reads = api.listLogs.mock.calls.length;
    act(() => live.fail(new LiveStreamError('too many open streams for this tenant (16)', 429)));
    await screen.findByText(/Live updates stopped \(too many open streams for this tenant \(16\)\)/);
    await waitFor(() => expect(api.listLogs).toHaveBeenCalledTimes(reads + 1));
    expect(logs.state.live).toBe(false);
    await act(() => new Promise((r) => setTimeout(r, 100)));
    expect(live.opened).toHaveLength(1);
  });
});
