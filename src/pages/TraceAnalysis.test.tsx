import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { KongDebuggerDataSource } from '../datasource/datasource';
import { currentUrl } from './scenes/testing/render';
import { OTHER_TRACE_ID, TRACE_ID, comparison, fakeApi, installDataSource, renderApp } from './testing';

// The session page renders Grafana UI components; on a busy shared machine a test can take several seconds.
jest.setTimeout(20_000);

async function openTrace(api: ReturnType<typeof fakeApi>) {
  installDataSource(api);
  renderApp(`/trace/${TRACE_ID}?session=s1`);
  const region = await screen.findByRole('region', { name: 'Trace summary' });
  await within(region).findByTestId('lifecycle-map');
  return region;
}

describe("trace analysis on the trace page's Summary tab", () => {
  it('flags steps above the session p95 with p50/p95 beside the value', async () => {
    const api = fakeApi();
    const trace = await openTrace(api);
    expect(await within(trace).findByTestId('abnormal-access.key-auth')).toHaveTextContent(
      'above p95 · p50 200µs · p95 300µs · pctl 100'
    );
    // within the session's range: values shown, no flag
    expect(within(trace).getByTestId('edge-upstreamOut')).toHaveTextContent('p95 26ms');
    expect(within(trace).queryByTestId('abnormal-upstreamOut')).toBeNull();
    expect(within(trace).getByTestId('abnormal-summary')).toHaveTextContent(
      "1 step above the session's p95: access.key-auth"
    );
    expect(api.getAbnormal).toHaveBeenCalledWith(TRACE_ID, 's1');
  });

  it('compares with the typical trace: both durations and the difference on each node', async () => {
    const api = fakeApi();
    const trace = await openTrace(api);
    fireEvent.click(within(trace).getByRole('button', { name: /Compare with typical/ }));
    expect(await within(trace).findByTestId('compare-access.key-auth')).toHaveTextContent('vs 112µs +300µs');
    expect(within(trace).getByTestId('compare-upstreamIn')).toHaveTextContent('vs 1.2ms ±0ns');
    // a plugin the other trace ran and this one did not
    expect(within(trace).getByTestId('node-access.cors')).toHaveTextContent('—');
    expect(within(trace).getByTestId('compare-access.cors')).toHaveTextContent('only in the other: 40µs');
    expect(within(trace).getByTestId('latency-diff-total')).toHaveTextContent('+9.5 ms');
    expect(within(trace).getByTestId('compare-summary')).toHaveTextContent(
      `typical trace (median of the route) ${OTHER_TRACE_ID}`
    );
    expect(within(trace).getByRole('table', { name: 'Spans that differ most' })).toHaveTextContent(
      'kong.read_headers_from_upstream'
    );
    expect(api.compareWithTypical).toHaveBeenCalledWith(TRACE_ID, 's1');
    fireEvent.click(within(trace).getByRole('button', { name: /Stop comparing/ }));
    await waitFor(() => expect(within(trace).queryByTestId('compare-access.key-auth')).toBeNull());
  });

  it('"Compare with…" another trace id: checked first, then in the URL, asked by the summary query and drawn', async () => {
    const ds = jest.spyOn(KongDebuggerDataSource.prototype, 'query');
    const api = fakeApi();
    const trace = await openTrace(api);
    const form = within(trace).getByRole('form', { name: 'Compare with another trace' });
    const input = within(form).getByRole('textbox', { name: 'Trace to compare with' });
    // not a trace id: said at once, nothing asked
    fireEvent.change(input, { target: { value: 'abc123' } });
    fireEvent.click(within(form).getByRole('button', { name: /Compare with…/ }));
    expect(await within(trace).findByTestId('compare-input-error')).toHaveTextContent(
      '"abc123" is not a trace id: expected 32 hex characters (or the base64 of 16 bytes).'
    );
    expect(currentUrl().query.get('compare')).toBeNull();
    // an id in capitals (copied from elsewhere) is the API's lowercase hex in the URL and the query
    fireEvent.change(input, { target: { value: ` ${OTHER_TRACE_ID.toUpperCase()} ` } });
    expect(within(trace).queryByTestId('compare-input-error')).toBeNull();
    fireEvent.submit(form);
    await waitFor(() => expect(currentUrl().query.get('compare')).toBe(OTHER_TRACE_ID));
    expect(currentUrl().query.get('session')).toBe('s1');
    expect(await within(trace).findByTestId('compare-access.key-auth')).toHaveTextContent('vs 112µs +300µs');
    expect(within(trace).getByTestId('latency-diff-total')).toHaveTextContent('+9.5 ms');
    const summary = within(trace).getByTestId('compare-summary');
    expect(summary).toHaveTextContent(`Compared with trace ${OTHER_TRACE_ID}; Δ = this trace − the other.`);
    expect(within(summary).getByRole('link', { name: OTHER_TRACE_ID })).toHaveAttribute('href', `/a/kongdbg-debugger-app/trace/${OTHER_TRACE_ID}`);
    expect(api.compareTraces).toHaveBeenCalledWith(TRACE_ID, OTHER_TRACE_ID);
    expect(api.compareWithTypical).not.toHaveBeenCalled();
    const summaries = ds.mock.calls.flatMap(([r]) => r.targets).filter((t) => t.queryType === 'summary');
    expect(summaries.at(-1)).toEqual(expect.objectContaining({ traceId: TRACE_ID, sessionId: 's1', compareTo: OTHER_TRACE_ID }));
    // "Stop comparing" takes it out of the URL and the query
    fireEvent.click(within(trace).getByRole('button', { name: /Stop comparing/ }));
    await waitFor(() => expect(currentUrl().query.get('compare')).toBeNull());
    await waitFor(() => expect(within(trace).queryByTestId('compare-access.key-auth')).toBeNull());
    const last = ds.mock.calls.flatMap(([r]) => r.targets).filter((t) => t.queryType === 'summary').at(-1);
    expect(last?.compareTo).toBeUndefined();
    ds.mockRestore();
  });

  it('refuses to compare the trace with itself', async () => {
    const api = fakeApi();
    const trace = await openTrace(api);
    fireEvent.change(within(trace).getByRole('textbox', { name: 'Trace to compare with' }), { target: { value: TRACE_ID } });
    fireEvent.submit(within(trace).getByRole('form', { name: 'Compare with another trace' }));
    expect(await within(trace).findByTestId('compare-input-error')).toHaveTextContent('That is this trace');
    expect(api.compareTraces).not.toHaveBeenCalled();
  });

  it('a shared link with ?compare= opens on the comparison, asked once', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp(`/trace/${TRACE_ID}?session=s1&compare=${OTHER_TRACE_ID}`);
    const trace = await screen.findByRole('region', { name: 'Trace summary' });
    expect(await within(trace).findByTestId('compare-access.key-auth')).toHaveTextContent('vs 112µs +300µs');
    expect(api.compareTraces).toHaveBeenCalledTimes(1);
    expect(api.getTraceSummary).toHaveBeenCalledTimes(1);
  });

  it("the API's refusal of the other trace is shown beside the map", async () => {
    const missing = 'aaaabbbbccccddddaaaabbbbccccdddd';
    const refused = fakeApi({ compareTraces: jest.fn().mockRejectedValue(new Error(`trace ${missing} not found`)) });
    installDataSource(refused);
    renderApp(`/trace/${TRACE_ID}?compare=${missing}`);
    const again = await screen.findByRole('region', { name: 'Trace summary' });
    expect(await within(again).findByText(`trace ${missing} not found`)).toBeInTheDocument();
    expect(within(again).getByText('Could not compare')).toBeInTheDocument();
    expect(within(again).getByTestId('lifecycle-map')).toBeInTheDocument();
    expect(refused.compareTraces).toHaveBeenCalledWith(TRACE_ID, missing);
  });

  it('"Compare with typical" is in the URL too (compare=typical)', async () => {
    const api = fakeApi();
    const trace = await openTrace(api);
    fireEvent.click(within(trace).getByRole('button', { name: /Compare with typical/ }));
    await waitFor(() => expect(currentUrl().query.get('compare')).toBe('typical'));
    expect(await within(trace).findByTestId('compare-summary')).toHaveTextContent('typical trace');
  });

  it('shows the statistics table, regrouped by plugin on demand', async () => {
    const api = fakeApi();
    const trace = await openTrace(api);
    const table = await within(trace).findByRole('table', { name: 'Span statistics' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('kong.read_headers_from_upstream125ms25ms84.9');
    expect(api.getStatistics).toHaveBeenCalledWith(TRACE_ID, 'name');
    fireEvent.click(within(trace).getByRole('radio', { name: 'By plugin' }));
    await waitFor(() => expect(api.getStatistics).toHaveBeenLastCalledWith(TRACE_ID, 'plugin'));
    await waitFor(() => expect(within(trace).getByRole('table', { name: 'Span statistics' })).toHaveTextContent('plugin key-auth (access)'));
    expect(within(trace).getByRole('table', { name: 'Span statistics' })).not.toHaveTextContent('kong.read_headers_from_upstream');
    // the map was not asked again: the statistics have their own query
    expect(api.getTraceSummary).toHaveBeenCalledTimes(1);
  });

  it("never shows a late comparison under a newer one (the page's query runner drops the older query)", async () => {
    let lateAnswer: (v: unknown) => void = () => undefined;
    const late = { ...comparison, b: { ...comparison.b, traceId: 'aaaabbbbccccddddaaaabbbbccccdddd' }, typical: { traceId: 'aaaabbbbccccddddaaaabbbbccccdddd', sessionId: 's1', basis: 'session' } };
    const compareWithTypical = jest
      .fn()
      .mockImplementationOnce(() => new Promise((resolve) => (lateAnswer = resolve)))
      .mockResolvedValue({ ...comparison, typical: { traceId: OTHER_TRACE_ID, sessionId: 's1', basis: 'route', routeId: 'route-1' } });
    const api = fakeApi({ compareWithTypical });
    const trace = await openTrace(api);
    fireEvent.click(within(trace).getByRole('button', { name: /Compare with typical/ }));
    expect(await within(trace).findByText('Comparing…')).toBeInTheDocument();
    fireEvent.click(within(trace).getByRole('button', { name: /Stop comparing/ }));
    fireEvent.click(await within(trace).findByRole('button', { name: /Compare with typical/ }));
    expect(await within(trace).findByTestId('compare-summary')).toHaveTextContent(OTHER_TRACE_ID);
    expect(compareWithTypical).toHaveBeenCalledTimes(2);
    // the first answer arrives last: it is never shown
    lateAnswer(late);
    await new Promise((r) => setTimeout(r, 50));
    expect(within(trace).getByTestId('compare-summary')).toHaveTextContent(OTHER_TRACE_ID);
    expect(trace).not.toHaveTextContent('aaaabbbbccccdddd');
  });

  it('keeps the map and says why when the comparison fails', async () => {
    const api = fakeApi({ compareWithTypical: jest.fn().mockRejectedValue(new Error('session "s1" has no other trace with a total latency')) });
    const trace = await openTrace(api);
    fireEvent.click(within(trace).getByRole('button', { name: /Compare with typical/ }));
    expect(await within(trace).findByText('session "s1" has no other trace with a total latency')).toBeInTheDocument();
    expect(within(trace).getByText('Could not compare')).toBeInTheDocument();
    expect(within(trace).getByTestId('lifecycle-map')).toBeInTheDocument();
    expect(within(trace).queryByText('Comparing…')).toBeNull();
    // the standing still shows beside it
    expect(within(trace).getByTestId('abnormal-summary')).toBeInTheDocument();
  });

  it('downloads the trace as JSON or zip', async () => {
    const api = fakeApi();
    const created: string[] = [];
    (URL as unknown as { createObjectURL: (b: Blob) => string }).createObjectURL = () => (
      created.push('blob:x'),
      'blob:x'
    );
    (URL as unknown as { revokeObjectURL: () => void }).revokeObjectURL = () => undefined;
    const clicks = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const trace = await openTrace(api);
    fireEvent.click(within(trace).getByRole('button', { name: /Download zip/ }));
    await waitFor(() => expect(api.exportTrace).toHaveBeenCalledWith(TRACE_ID, 'zip'));
    await waitFor(() => expect(clicks).toHaveBeenCalled());
    expect(created).toEqual(['blob:x']);
    clicks.mockRestore();
  });
});

describe('Upload trace on the Sessions page', () => {
  it('uploads the chosen file and links to the Uploads session', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions');
    await screen.findByRole('table', { name: 'Sessions' });
    const file = new File(['{"resourceSpans":[]}'], 'trace.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('upload-trace-input'), { target: { files: [file] } });
    expect(await screen.findByText('1 trace added to the Uploads session.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open/ })).toHaveAttribute(
      'href',
      '/a/kongdbg-debugger-app/sessions/uploads-default'
    );
    expect(api.uploadTrace).toHaveBeenCalledWith(file);
    expect(api.listSessions).toHaveBeenCalledTimes(2); // refreshed
  });

  it("shows the backend's reason when the file is refused", async () => {
    const api = fakeApi({
      uploadTrace: jest
        .fn()
        .mockRejectedValue(new Error('cannot read the uploaded file: invalid JSON at line 1, column 6')),
    });
    installDataSource(api);
    renderApp('/sessions');
    await screen.findByRole('table', { name: 'Sessions' });
    const file = new File(['{"a":'], 'bad.json');
    fireEvent.change(screen.getByTestId('upload-trace-input'), { target: { files: [file] } });
    expect(
      await screen.findByText('cannot read the uploaded file: invalid JSON at line 1, column 6')
    ).toBeInTheDocument();
    expect(screen.getByText('Could not upload bad.json')).toBeInTheDocument();
  });
});
