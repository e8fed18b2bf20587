import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeTracesProtobuf } from '../otlp/testing';
import { getJson, kongRequest, postJson, tracesPayload, type BuiltTrace } from '../testing/otlp-builders';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'kong-debugger.js');

interface Running {
  child: ChildProcess;
  api: string;
  otlp: string;
}

async function serve(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', '--auth', 'none', '--port', '0', '--otlp-port', '0', '--data-dir', dataDir]);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!/OTLP\/HTTP/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    api: /REST API\s+(http:\/\/[\d.:]+)/.exec(out)![1],
    otlp: /OTLP\/HTTP\s+(http:\/\/[\d.:]+)/.exec(out)![1],
  };
}

async function post(otlp: string, spans: unknown[]): Promise<boolean> {
  try {
    const res = await fetch(`${otlp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeTracesProtobuf(tracesPayload(spans)),
      signal: AbortSignal.timeout(5000),
    });
    return res.status === 200;
  } catch {
    return false; // killed mid-request: not acknowledged, so Kong would retry it
  }
}

describe('crash safety', () => {
  let dir: string;
  let running: Running | undefined;
  afterEach(() => {
    running?.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing that was answered 200 when the server is SIGKILLed in the middle of ingest', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-crash-'));
    running = await serve(dir);
    const session = (await postJson(`${running.api}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 600, maxTraces: 100_000 })).body;

    // Whole traces, and traces whose root comes in a later request (as Kong splits them).
    const acked: BuiltTrace[] = [];
    const splitAcked: BuiltTrace[] = [];
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 2000 && !stop; i++) {
        const whole = [kongRequest(), kongRequest()];
        if (await post(running!.otlp, whole.flatMap((t) => t.spans))) acked.push(...whole);
        const split = kongRequest();
        if ((i + w) % 3 === 0 && (await post(running!.otlp, split.spans.slice(1)))) splitAcked.push(split);
      }
    });
    // Let ingest get going, then kill without warning while requests are in flight.
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 20));
    running.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    if (running.child.exitCode === null && running.child.signalCode === null) await new Promise((r) => running!.child.once('exit', r));

    // The database opens cleanly.
    const db = new Database(path.join(dir, 'kong-debugger.sqlite'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    running = await serve(dir);
    const s = (await getJson(`${running.api}/api/v1/sessions/${session.id}`)).body;
    expect(s.status).toBe('in_progress');
    for (const t of acked) {
      const r = await getJson(`${running.api}/api/v1/traces/${t.traceId}`);
      expect([t.traceId, r.status, r.body.spans?.length]).toEqual([t.traceId, 200, 3]);
    }
    // The halves acknowledged before the crash wait again for their roots.
    for (const t of splitAcked) expect(await post(running.otlp, [t.spans[0]])).toBe(true);
    for (const t of splitAcked) {
      const r = await getJson(`${running.api}/api/v1/traces/${t.traceId}`);
      expect([t.traceId, r.body.spans?.length]).toEqual([t.traceId, 3]);
    }
    // The session's count is exact: every stored trace counted once.
    const after = (await getJson(`${running.api}/api/v1/sessions/${session.id}`)).body;
    let listed = 0;
    let cursor = '';
    do {
      const page = (await getJson(`${running.api}/api/v1/sessions/${session.id}/traces?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).body;
      listed += page.traces.length;
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(after.traceCount).toBe(listed);
    expect(listed).toBeGreaterThanOrEqual(acked.length + splitAcked.length);
  }, 120_000);
});
