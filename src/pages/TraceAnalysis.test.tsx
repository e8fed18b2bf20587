import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { OTHER_TRACE_ID, TRACE_ID, fakeApi, installDataSource, renderApp } from './testing';

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

  it('shows the statistics table, regrouped by plugin on demand', async () => {
    const api = fakeApi();
    const trace = await openTrace(api);
    const table = await within(trace).findByRole('table', { name: 'Span statistics' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('kong.read_headers_from_upstream125ms25ms84.9');
    expect(api.getStatistics).toHaveBeenCalledWith(TRACE_ID, 'name');
    fireEvent.click(within(trace).getByRole('radio', { name: 'By plugin' }));
    await waitFor(() => expect(api.getStatistics).toHaveBeenLastCalledWith(TRACE_ID, 'plugin'));
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
