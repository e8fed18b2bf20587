import fs from 'node:fs';
import path from 'node:path';
import { decodeTracesJson } from '../otlp/decode-json';
import type { DecodedLogBatch, DecodedTraceBatch } from '../otlp/types';
import {
  DEFAULT_REDACTED_NAMES,
  REDACTED,
  RedactionConfigError,
  redactAttributes,
  redactionPolicy,
  redactLogBatch,
  redactQuery,
  redactSql,
  redactText,
  redactTraceBatch,
  redactUrl,
} from './redact';

const policy = redactionPolicy();

describe('redactSql', () => {
  it("hides key-auth's key in Kong's credential lookup and keeps the statement's shape", () => {
    const sql = `SELECT "id", "key" FROM "keyauth_credentials" WHERE "key" = 'demo-api-key-alice' AND ("ws_id" = '0dc6f45b-8f8d-40d2-a504-473544ee190b') LIMIT 1;`;
    expect(redactSql(sql)).toBe(`SELECT "id", "key" FROM "keyauth_credentials" WHERE "key" = ? AND ("ws_id" = ?) LIMIT ?;`);
  });

  it('redacts strings with escaped quotes, and E, B, X, N and U& strings', () => {
    expect(redactSql(`x = 'it''s secret'`)).toBe('x = ?');
    expect(redactSql(`x = E'a\\'b' AND y = 1`)).toBe('x = ? AND y = ?');
    expect(redactSql(`x = B'0101' OR x = X'ff' OR x = N'n' OR x = U&'d\\0061t'`)).toBe('x = ? OR x = ? OR x = ? OR x = ?');
    expect(redactSql(`x = e'low'`)).toBe('x = ?');
  });

  it('redacts numbers, hex and bytea literals but not identifiers that contain digits or $n parameters', () => {
    expect(redactSql('SELECT t1.c2 FROM t1 WHERE a = 42 AND b = -3.5e10 AND c = .5 AND d = 0x1F AND e = $1')).toBe(
      'SELECT t1.c2 FROM t1 WHERE a = ? AND b = -? AND c = ? AND d = ? AND e = $1',
    );
    expect(redactSql(`INSERT INTO k (v) VALUES ('\\xdeadbeef'::bytea, decode('c2VjcmV0', 'base64'))`)).toBe('INSERT INTO k (v) VALUES (?::bytea, decode(?, ?))');
  });

  it('redacts dollar-quoted strings, with or without a tag', () => {
    expect(redactSql('SELECT $$secret$$, $tag$more $$ secret$tag$, $2')).toBe('SELECT ?, ?, $2');
  });

  it('keeps quoted identifiers (even with quotes and digits inside) and comments as they are', () => {
    expect(redactSql(`SELECT "we""ird 1" FROM "t" -- it's a comment\nWHERE x = 'a' /* nested /* 'b' */ c */`)).toBe(
      `SELECT "we""ird 1" FROM "t" -- it's a comment\nWHERE x = ? /* nested /* 'b' */ c */`,
    );
  });

  it('redacts an unterminated literal to the end and is idempotent', () => {
    expect(redactSql(`WHERE key = 'abc`)).toBe('WHERE key = ?');
    const once = redactSql(`WHERE a = 'x' AND b = 7`);
    expect(redactSql(once)).toBe(once);
  });

  it('returns the same string when there is no literal', () => {
    const sql = 'SELECT "a" FROM "b" WHERE c = $1';
    expect(redactSql(sql)).toBe(sql);
  });
});

describe('URLs, queries and text', () => {
  it("redacts key-auth's apikey and other default parameters, keeping order, separators, fragment and other values", () => {
    expect(redactUrl('https://api.example.com/orders/42?expand=items&apikey=s3cr3t&x=1#top', policy)).toBe(
      `https://api.example.com/orders/42?expand=items&apikey=${REDACTED}&x=1#top`,
    );
    expect(redactUrl('/p?API_KEY=a;Access_Token=b&jwt=c&page=2', policy)).toBe(`/p?API_KEY=${REDACTED};Access_Token=${REDACTED}&jwt=${REDACTED}&page=2`);
    expect(redactUrl('/p?api%5Fkey=a', policy)).toBe(`/p?api%5Fkey=${REDACTED}`);
  });

  it('redacts the password of user info', () => {
    expect(redactUrl('http://bob:hunter2@upstream.internal:8000/x', policy)).toBe(`http://bob:${REDACTED}@upstream.internal:8000/x`);
  });

  it('leaves a URL without secrets untouched (same string)', () => {
    const url = 'https://api.example.com/orders/42?expand=items';
    expect(redactUrl(url, policy)).toBe(url);
    expect(redactQuery('a=1&b', policy)).toBe('a=1&b');
  });

  it('redacts name=value pairs in free text, not names that merely end with a default', () => {
    expect(redactText('GET /x?apikey=abc&y=1 failed; password=p4ss', policy)).toBe(`GET /x?apikey=${REDACTED}&y=1 failed; password=${REDACTED}`);
    expect(redactText('my_token=keep mytoken=keep', policy)).toBe('my_token=keep mytoken=keep');
  });
});

describe('attributes', () => {
  it('redacts sensitive keys, http.request.header.<name> keys (arrays keep their shape) and nested maps', () => {
    const attrs = {
      authorization: 'Bearer abc',
      'http.request.header.x-api-key': ['k1', 'k2'],
      'http.request.header.cookie': ['session=1'],
      'http.response.header.set-cookie': ['s=2'],
      'http.request.header.x_consumer_id': 'c',
      'http.request.header.accept': ['*/*'],
      'http.status_code': 200,
      'kong.service.name': 'orders',
      nested: { headers: { 'Proxy-Authorization': 'Basic xyz', host: 'h' } },
    };
    expect(redactAttributes(attrs, policy)).toEqual({
      authorization: REDACTED,
      'http.request.header.x-api-key': [REDACTED, REDACTED],
      'http.request.header.cookie': [REDACTED],
      'http.response.header.set-cookie': [REDACTED],
      'http.request.header.x_consumer_id': REDACTED,
      'http.request.header.accept': ['*/*'],
      'http.status_code': 200,
      'kong.service.name': 'orders',
      nested: { headers: { 'Proxy-Authorization': REDACTED, host: 'h' } },
    });
    expect(attrs.authorization).toBe('Bearer abc'); // pure: the input is not changed
  });

  it('redacts SQL, URL and query attributes by their value', () => {
    const out = redactAttributes(
      {
        'db.statement': `SELECT 1 WHERE "key" = 'k'`,
        'db.query.text': `DELETE FROM t WHERE id = 5`,
        'url.full': 'https://h/p?apikey=a',
        'http.url': 'https://h/p?token=t',
        'http.target': '/p?password=x',
        'url.query': 'apikey=a&b=1',
        'exception.message': 'upstream said: client_secret=zzz',
      },
      policy,
    );
    expect(out).toEqual({
      'db.statement': `SELECT ? WHERE "key" = ?`,
      'db.query.text': 'DELETE FROM t WHERE id = ?',
      'url.full': `https://h/p?apikey=${REDACTED}`,
      'http.url': `https://h/p?token=${REDACTED}`,
      'http.target': `/p?password=${REDACTED}`,
      'url.query': `apikey=${REDACTED}&b=1`,
      'exception.message': `upstream said: client_secret=${REDACTED}`,
    });
  });

  it('returns the same object when nothing is secret (no copy on the hot path)', () => {
    const attrs = { 'http.method': 'GET', 'http.url': 'https://h/p?q=1', n: { a: [1, 2] } };
    expect(redactAttributes(attrs, policy)).toBe(attrs);
  });
});

describe('redactionPolicy (serve --redact)', () => {
  it('adds names, for attribute keys, header keys, query parameters and text', () => {
    const p = redactionPolicy(['x-tenant-secret', 'kong.custom.field']);
    expect(redactAttributes({ 'http.request.header.x-tenant-secret': 'a', 'kong.custom.field': 'b', 'x.field': 'c' }, p)).toEqual({
      'http.request.header.x-tenant-secret': REDACTED,
      'kong.custom.field': REDACTED,
      'x.field': 'c',
    });
    expect(redactUrl('/p?x_tenant_secret=1', p)).toBe(`/p?x_tenant_secret=${REDACTED}`);
  });

  it('turns a default off with -name, and accepts comma lists', () => {
    const p = redactionPolicy(['-apikey,-cookie', 'sig']);
    expect(redactUrl('/p?apikey=a&sig=b&api_key=c', p)).toBe(`/p?apikey=a&sig=${REDACTED}&api_key=${REDACTED}`);
    expect(redactAttributes({ 'http.request.header.cookie': ['c'] }, p)).toEqual({ 'http.request.header.cookie': ['c'] });
    expect(p.names.has('apikey')).toBe(false);
    // SQL literals are redacted whatever the names
    expect(redactAttributes({ 'db.statement': "WHERE key = 'k'" }, redactionPolicy(DEFAULT_REDACTED_NAMES.map((n) => `-${n}`)))).toEqual({ 'db.statement': 'WHERE key = ?' });
  });

  it('refuses a -name that is no default and a malformed name, naming it', () => {
    expect(() => redactionPolicy(['-apikeys'])).toThrow(RedactionConfigError);
    expect(() => redactionPolicy(['-apikeys'])).toThrow(/"-apikeys" turns off no default; the defaults are apikey, api_key/);
    expect(() => redactionPolicy(['bad name'])).toThrow(/"bad name" is not a name to redact/);
  });
});

describe('batches', () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../shared/fixtures/kong-trace.otlp.json'), 'utf8'));

  it("removes the key-auth key from the fixture's kong.database.query span and nothing else changes", () => {
    const batch = decodeTracesJson(Buffer.from(JSON.stringify(fixture)));
    const before = JSON.stringify(batch, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(before).toContain('demo-api-key-alice');
    const out = redactTraceBatch(batch, policy);
    const after = JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(after).not.toContain('demo-api-key-alice');
    expect(after).not.toContain('0dc6f45b-8f8d-40d2-a504-473544ee190b');
    const queries = out.spans.filter((s) => s.name === 'kong.database.query');
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      expect(String(q.attributes['db.statement'])).toMatch(/^SELECT "id", .* FROM "[a-z_]+"\s+WHERE .* LIMIT \?;$/s);
      expect(String(q.attributes['db.statement'])).not.toContain("'");
    }
    // the input batch is left as it was; spans without secrets are the same objects
    expect(JSON.stringify(batch, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
    const untouched = out.spans.filter((s) => s.name !== 'kong.database.query');
    for (const s of untouched) expect(batch.spans).toContain(s);
  });

  it('redacts span events, status messages, resource attributes (once per shared object) and log records', async () => {
    const shared = { 'service.name': 'kong', 'deployment.token': 'rt' };
    const traces: DecodedTraceBatch = {
      resources: [{ attributes: shared, scopeName: 'a' }, { attributes: shared, scopeName: 'b' }],
      spans: [
        {
          traceId: 'a'.repeat(32),
          spanId: 'b'.repeat(16),
          parentSpanId: '',
          name: 'kong',
          kind: 2,
          startNs: 1n,
          endNs: 2n,
          attributes: {},
          events: [{ name: 'exception', timeNs: 1n, attributes: { 'exception.message': 'bad apikey=xyz', 'http.request.header.authorization': 'Basic q' } }],
          statusCode: 2,
          statusMessage: 'denied for token=abc',
          resource: 0,
        },
      ],
      rejected: 0,
      errors: [],
    };
    const logs: DecodedLogBatch = {
      resources: [{ attributes: {} }],
      records: [
        { timeNs: 1n, severityNumber: 9, body: 'GET /p?apikey=k1 HTTP/1.1', attributes: { 'http.request.header.authorization': 'Bearer t' }, resource: 0 },
        { timeNs: 1n, severityNumber: 9, body: { request: { headers: { authorization: 'Bearer t2' } } }, attributes: {}, resource: 0 },
      ],
      rejected: 0,
      errors: [],
    };
    const t = redactTraceBatch(traces, policy);
    expect(t.resources[0].attributes).toEqual({ 'service.name': 'kong', 'deployment.token': REDACTED });
    expect(t.resources[0].attributes).toBe(t.resources[1].attributes);
    expect(t.spans[0].events[0].attributes).toEqual({ 'exception.message': `bad apikey=${REDACTED}`, 'http.request.header.authorization': REDACTED });
    expect(t.spans[0].statusMessage).toBe(`denied for token=${REDACTED}`);
    const l = redactLogBatch(logs, policy);
    expect(l.records[0].body).toBe(`GET /p?apikey=${REDACTED} HTTP/1.1`);
    expect(l.records[0].attributes).toEqual({ 'http.request.header.authorization': REDACTED });
    expect(l.records[1].body).toEqual({ request: { headers: { authorization: REDACTED } } });
    expect(redactLogBatch(l, policy)).toBe(l); // already clean: nothing copied
  });
});
