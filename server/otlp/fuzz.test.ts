import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, type RunningServer } from '../app';
import { loadFixture } from '../testing/otlp-builders';
import { decodeExportResponseProtobuf, decodeStatusProtobuf } from './responses';
import { encodeLogsProtobuf, encodeTracesProtobuf } from './testing';
import { Gen, prng } from '../testing/fuzz';

/*
 * Bounded fuzz of the OTLP receiver through a real server: random bytes, mutated protobuf
 * (Kong's fixture: bit flips, truncations, splices, corrupted length fields, huge varints) and
 * random/mutated JSON. Every reply must be a well-formed 200/400/413/415/429 in the request's
 * encoding; never a 5xx, never a hang; the server still works afterwards.
 * Fixed seed by default; widen with FUZZ_SEED=<n> FUZZ_MS=<ms> npx jest server/otlp/fuzz.
 * A failure names the seed and case number and writes the body to a file to replay.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 8000);
const REQUEST_TIMEOUT_MS = 10_000;

const TRACE_DOC = loadFixture('kong-trace.otlp.json');
const LOGS_DOC = loadFixture('kong-logs.otlp.json');
const TRACE_PB = encodeTracesProtobuf(TRACE_DOC);
const LOGS_PB = encodeLogsProtobuf(LOGS_DOC);

function varint(v: bigint): Buffer {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return Buffer.from(out);
}

/** offsets of bytes that look like a length-delimited tag (wire type 2, small field number) */
function lenTagOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < buf.length; i++)
    if ((buf[i] & 7) === 2 && buf[i] >>> 3 >= 1 && buf[i] >>> 3 <= 15) out.push(i);
  return out;
}

function mutateBytes(g: Gen, input: Buffer, donor: Buffer): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + g.int(4);
  for (let r = 0; r < rounds; r++) {
    const pos = b.length === 0 ? 0 : g.int(b.length);
    switch (g.int(8)) {
      case 0: // bit flips
        for (let k = 0; k < 1 + g.int(8) && b.length > 0; k++) b[g.int(b.length)] ^= 1 << g.int(8);
        break;
      case 1: // truncation
        b = b.subarray(0, pos);
        break;
      case 2: {
        // splice in a slice of the donor
        const s = g.int(donor.length);
        b = Buffer.concat([b.subarray(0, pos), donor.subarray(s, s + g.int(200)), b.subarray(pos + g.int(50))]);
        break;
      }
      case 3: {
        // corrupt a length field: tiny, off by one, huge
        const offs = lenTagOffsets(b);
        if (offs.length === 0) break;
        const at = g.pick(offs) + 1;
        let end = at;
        while (end < b.length && b[end] & 0x80) end++;
        const len = g.pick([0n, 1n, 127n, 128n, 0x7fffffffn, 0xffffffffn, 0xffffffffffffffffn, BigInt(g.int(1 << 20))]);
        b = Buffer.concat([b.subarray(0, at), varint(len), b.subarray(end + 1)]);
        break;
      }
      case 4: // huge or overlong varint
        b = Buffer.concat([
          b.subarray(0, pos),
          g.pick([
            Buffer.alloc(11, 0xff),
            Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            varint(1n << 63n),
          ]),
          b.subarray(pos),
        ]);
        break;
      case 5: // random bytes inserted
        b = Buffer.concat([b.subarray(0, pos), g.bytes(1 + g.int(32)), b.subarray(pos)]);
        break;
      case 6: {
        // duplicate a range (repeated fields, duplicated messages)
        const s = g.int(Math.max(1, b.length));
        b = Buffer.concat([b.subarray(0, pos), b.subarray(s, s + g.int(400)), b.subarray(pos)]);
        break;
      }
      default: // delete a range
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1 + g.int(40))]);
    }
  }
  return b;
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '18446744073709551616',
  '99999999999999999999999',
  '-5',
  'NaN',
  'Infinity',
  '',
  'zz',
  '0'.repeat(32),
  'f'.repeat(31),
  'AAAAAAAAAAAAAAAAAAAAAA==',
  '////////////',
  '\u0000',
  '\ud800',
  '😀'.repeat(10),
  [],
  {},
  [[[]]],
  { stringValue: 1 },
  { intValue: '1e3' },
  { arrayValue: { values: 'x' } },
  { kvlistValue: { values: [{ key: 1 }] } },
  { bytesValue: '***' },
  'SPAN_KIND_BOGUS',
  'x'.repeat(70_000),
];

function randomJson(g: Gen, depth = 0): unknown {
  const k = depth > 4 ? g.int(4) : g.int(7);
  switch (k) {
    case 0:
      return structuredClone(g.pick(ODD_VALUES));
    case 1:
      return g.rnd() * 10 ** g.int(30) * (g.chance(0.5) ? -1 : 1);
    case 2:
      return g.bytes(g.int(20)).toString('latin1');
    case 3:
      return g.int(3) === 0 ? null : g.chance(0.5);
    case 4:
      return Array.from({ length: g.int(4) }, () => randomJson(g, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        'resourceSpans',
        'resourceLogs',
        'scopeSpans',
        'scopeLogs',
        'spans',
        'logRecords',
        'attributes',
        'key',
        'value',
        'traceId',
        'spanId',
        'body',
        'arrayValue',
        'values',
        'kvlistValue',
        'x',
      ];
      for (let i = g.int(4); i > 0; i--) o[g.pick(keys)] = randomJson(g, depth + 1);
      return o;
    }
  }
}

/** mutates a parsed JSON document in place at a few random nodes */
function mutateDoc(g: Gen, doc: any): any {
  for (let r = 1 + g.int(4); r > 0; r--) {
    // walk down a random path
    let node = doc;
    let parent: any;
    let key: string | number | undefined;
    for (let d = 0; d < 12 && node !== null && typeof node === 'object'; d++) {
      const keys = Object.keys(node);
      if (keys.length === 0 || g.chance(0.15)) break;
      parent = node;
      key = Array.isArray(node) ? g.int(node.length) : g.pick(keys);
      node = node[key];
    }
    if (parent === undefined || key === undefined) continue;
    switch (g.int(5)) {
      case 0:
        parent[key] = structuredClone(g.pick(ODD_VALUES));
        break;
      case 1:
        parent[key] = randomJson(g);
        break;
      case 2:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 3:
        // duplicate (arrays grow; objects get the same value under a snake_case twin)
        if (Array.isArray(parent)) for (let i = g.int(50); i > 0; i--) parent.push(structuredClone(node));
        else parent[`${String(key).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`] = structuredClone(node);
        break;
      default: {
        // deep nesting of a valid-looking AnyValue
        let v: any = { stringValue: 'leaf' };
        for (let i = 20 + g.int(30); i > 0; i--)
          v = g.chance(0.5) ? { arrayValue: { values: [v] } } : { kvlistValue: { values: [{ key: 'k', value: v }] } };
        parent[key] = g.chance(0.5) ? v : { key: 'deep', value: v };
      }
    }
  }
  return doc;
}

function deepText(g: Gen): string {
  const n = 1000 + g.int(200_000);
  return g.chance(0.5)
    ? '['.repeat(n) + ']'.repeat(g.chance(0.5) ? n : g.int(n))
    : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

interface Case {
  signal: 'traces' | 'logs';
  contentType: string;
  /** the encoding the reply must use */
  replyEncoding: 'json' | 'protobuf';
  contentEncoding?: string;
  body: Buffer;
  kind: string;
}

function makeCase(g: Gen): Case {
  const signal = g.chance(0.6) ? 'traces' : 'logs';
  const pb = signal === 'traces' ? TRACE_PB : LOGS_PB;
  const other = signal === 'traces' ? LOGS_PB : TRACE_PB;
  const roll = g.int(100);
  let body: Buffer;
  let json: boolean;
  let kind: string;
  if (roll < 10) {
    [body, json, kind] = [g.bytes(g.int(2000)), g.chance(0.5), 'random bytes'];
  } else if (roll < 50) {
    [body, json, kind] = [
      mutateBytes(g, g.chance(0.9) ? pb : other, g.chance(0.5) ? pb : other),
      false,
      'mutated protobuf',
    ];
  } else if (roll < 75) {
    const doc = structuredClone(signal === 'traces' ? TRACE_DOC : LOGS_DOC);
    [body, json, kind] = [Buffer.from(JSON.stringify(mutateDoc(g, doc))), true, 'mutated JSON document'];
  } else if (roll < 85) {
    const text = Buffer.from(JSON.stringify(signal === 'traces' ? TRACE_DOC : LOGS_DOC));
    [body, json, kind] = [mutateBytes(g, text, text), true, 'mutated JSON text'];
  } else if (roll < 92) {
    [body, json, kind] = [Buffer.from(JSON.stringify(randomJson(g)) ?? 'null'), true, 'random JSON'];
  } else {
    [body, json, kind] = [Buffer.from(deepText(g)), true, 'deep JSON'];
  }
  let contentType = json ? 'application/json' : 'application/x-protobuf';
  let replyEncoding: 'json' | 'protobuf' = json ? 'json' : 'protobuf';
  if (g.chance(0.05)) {
    contentType = g.pick([
      'text/plain',
      '',
      'application/xml',
      'application/json; charset=utf-8',
      'APPLICATION/PROTOBUF',
      'multipart/form-data; boundary=x',
    ]);
    replyEncoding = /^application\/protobuf/i.test(contentType) ? 'protobuf' : 'json';
  }
  let contentEncoding: string | undefined;
  if (g.chance(0.08)) {
    contentEncoding = 'gzip';
    body = gzipSync(body);
    if (g.chance(0.5)) body = mutateBytes(g, body, body);
  } else if (g.chance(0.02)) contentEncoding = g.pick(['br', 'deflate', 'identity']);
  return { signal, contentType, replyEncoding, contentEncoding, body, kind };
}

const ALLOWED = new Set([200, 400, 413, 415, 429]);

/** null when the reply is well-formed, else what is wrong with it */
function checkReply(c: Case, status: number, contentType: string | null, body: Buffer): string | null {
  if (!ALLOWED.has(status)) return `status ${status}: ${body.toString('utf8', 0, 500)}`;
  const wantType = c.replyEncoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  if (!contentType?.startsWith(wantType)) return `content-type ${contentType}, expected ${wantType}`;
  try {
    if (c.replyEncoding === 'json') {
      const parsed = JSON.parse(body.toString('utf8'));
      if (status === 200) {
        if (typeof parsed !== 'object' || parsed === null) return `200 body is not an object: ${body.toString()}`;
      } else if (typeof parsed.message !== 'string' || parsed.message === '')
        return `error body without message: ${body.toString()}`;
    } else if (status === 200) decodeExportResponseProtobuf(body);
    else if (decodeStatusProtobuf(body).message === '') return 'protobuf Status without message';
  } catch (e) {
    return `unparseable body (${(e as Error).message}): ${body.toString('hex', 0, 200)}`;
  }
  return null;
}

let dataDir: string;
let server: RunningServer;
// production setup: an admin token for the API, an `ingest` token for OTLP
const ADMIN = { authorization: 'Bearer fuzz-admin-token' };
let ingest: Record<string, string>;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-otlp-fuzz-'));
  // a smaller body limit than the default so that big fuzz bodies also meet the 413 path
  server = await startServer({
    dataDir,
    port: 0,
    otlpPort: 0,
    apiToken: ADMIN.authorization.slice(7),
    maxBodyBytes: 300_000,
  });
  const t = await api('POST', '/api/v1/tokens', { name: 'fuzz gateway', role: 'ingest' });
  expect(t.status).toBe(201);
  ingest = { authorization: `Bearer ${t.body.token}` };
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// a missing field makes a predicate false, so its negation matches every trace
const MATCH_ALL = { type: 'advanced', expression: '!(http.path == "#never#")' };

async function api(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...ADMIN };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.apiUrl}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function createMatchAllSession(): Promise<string> {
  const r = await api('POST', '/api/v1/sessions', {
    rule: MATCH_ALL,
    durationSeconds: 600,
    maxTraces: 100_000,
    captureLogs: true,
  });
  expect(r.status).toBe(201);
  return r.body.id;
}

it(
  `survives random and mutated OTLP (seed ${SEED}, ${BUDGET_MS} ms)`,
  async () => {
    const sessionId = await createMatchAllSession();
    const g = new Gen(prng(SEED));
    const counts: Record<string, number> = {};
    const deadline = Date.now() + BUDGET_MS;
    let n = 0;
    for (; Date.now() < deadline; n++) {
      const c = makeCase(g);
      const headers: Record<string, string> = { ...ingest, 'content-type': c.contentType };
      if (c.contentEncoding) headers['content-encoding'] = c.contentEncoding;
      let failure: string | null;
      try {
        const res = await fetch(`${server.otlpUrl}/v1/${c.signal}`, {
          method: 'POST',
          headers,
          body: c.body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = Buffer.from(await res.arrayBuffer());
        counts[res.status] = (counts[res.status] ?? 0) + 1;
        failure = checkReply(c, res.status, res.headers.get('content-type'), body);
      } catch (e) {
        failure = `request failed: ${(e as Error).message}`;
      }
      if (failure !== null) {
        const file = path.join(os.tmpdir(), `otlp-fuzz-seed${SEED}-case${n}.bin`);
        fs.writeFileSync(file, c.body);
        throw new Error(
          `seed ${SEED} case ${n} (${c.kind}, POST /v1/${c.signal}, ${JSON.stringify({ ...headers, authorization: undefined })}, body in ${file}): ${failure}`
        );
      }
    }
    // the fuzz really exercised both outcomes
    expect(n).toBeGreaterThan(50);
    expect(counts[400]).toBeGreaterThan(0);
    expect(counts[200]).toBeGreaterThan(0);

    // still healthy, and a good request afterwards is stored
    expect((await api('GET', '/api/v1/health')).status).toBe(200);
    expect((await api('POST', `/api/v1/sessions/${sessionId}/stop`, {})).status).toBe(200);
    const fresh = await createMatchAllSession();
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const oldId = TRACE_DOC.resourceSpans[0].scopeSpans[0].spans[0].traceId as string;
    const swap = (doc: object) => JSON.parse(JSON.stringify(doc).split(oldId).join(traceId));
    const post = (signal: string, bytes: Buffer) =>
      fetch(`${server.otlpUrl}/v1/${signal}`, {
        method: 'POST',
        headers: { ...ingest, 'content-type': 'application/x-protobuf' },
        body: bytes,
      });
    expect((await post('traces', encodeTracesProtobuf(swap(TRACE_DOC)))).status).toBe(200);
    expect((await post('logs', encodeLogsProtobuf(swap(LOGS_DOC)))).status).toBe(200);
    let traces: any;
    for (let i = 0; i < 50; i++) {
      traces = (await api('GET', `/api/v1/sessions/${fresh}/traces`)).body;
      if (traces.traces?.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(traces.traces.map((t: { traceId: string }) => t.traceId)).toEqual([traceId]);
    const detail = await api('GET', `/api/v1/traces/${traceId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.spans).toHaveLength(TRACE_DOC.resourceSpans[0].scopeSpans[0].spans.length);
    const wantLogs = LOGS_DOC.resourceLogs[0].scopeLogs[0].logRecords.length;
    let logs: any;
    for (let i = 0; i < 50; i++) {
      logs = (await api('GET', `/api/v1/sessions/${fresh}/logs`)).body;
      if (logs.logs?.length >= wantLogs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(logs.logs).toHaveLength(wantLogs);
    if (process.env.FUZZ_VERBOSE)
      process.stdout.write(`OTLP fuzz: ${n} requests, statuses ${JSON.stringify(counts)}\n`);
  },
  BUDGET_MS + 60_000
);
