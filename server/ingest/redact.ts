import type { AttributeValue } from '../../common/api';
import type { Attributes, DecodedEvent, DecodedLogBatch, DecodedLogRecord, DecodedResource, DecodedSpan, DecodedTraceBatch } from '../otlp/types';

/*
 * Secrets never reach the store or an answer: every decoded batch passes here first.
 * - SQL in `db.statement` / `db.query.text` (Kong's `kong.database.query` spans interpolate literal values,
 *   e.g. key-auth's key in `WHERE "key" = '…'`): every literal becomes `?`, the statement keeps its shape.
 * - Attributes whose key (or the key's last dot-separated segment, so `http.request.header.<name>` too) is a
 *   sensitive name: the value becomes REDACTED, also inside nested maps (kvlist values, log bodies).
 * - URLs (`url.full`, `http.url`, `http.target`, `url.query`, ...): the values of sensitive query parameters and
 *   the password of user info.
 * - Free text (log bodies, span status messages, `exception.message`): `<sensitive name>=<value>` pairs.
 * Names compare case-insensitively with `_` and `-` equal (`api_key` is `api-key`), as header names do.
 */

export const REDACTED = '[REDACTED]';

/**
 * Names redacted by default: the credentials of Kong's auth plugins (key-auth's `apikey`, basic/ldap/hmac-auth's
 * authorization headers, jwt's `jwt` parameter, oauth2/openid-connect's tokens and client secret, session
 * cookies) and the headers Konnect's debugger masks (`api-key`, `x-api-key`, `x-consumer-*`, `x-credential-identifier`).
 */
export const DEFAULT_REDACTED_NAMES: readonly string[] = [
  'apikey',
  'api_key',
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwd',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'jwt',
  'provision_key',
  'x-consumer-username',
  'x-consumer-custom-id',
  'x-consumer-id',
  'x-credential-identifier',
];

const SQL_KEYS = new Set(['db.statement', 'db.query.text']);
const URL_KEYS = new Set(['url.full', 'http.url', 'http.target', 'url.original', 'http.request.header.referer', 'http.response.header.location']);
const QUERY_KEYS = new Set(['url.query']);
const TEXT_KEYS = new Set(['exception.message']);

/** how one attribute key is treated */
enum Treatment {
  Keep,
  Secret,
  Sql,
  Url,
  Query,
  Text,
}

export class RedactionConfigError extends Error {}

export interface RedactionPolicy {
  /** the sensitive names, normalised */
  readonly names: ReadonlySet<string>;
  /** `Treatment` per attribute key seen, so the per-attribute cost is one map lookup */
  readonly memo: Map<string, Treatment>;
  /** matches `<name>=<value>` for a sensitive name in free text; undefined when no names */
  readonly textPattern?: RegExp;
}

const MEMO_LIMIT = 10_000;

export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}

/**
 * The redaction settings of `serve --redact`: entries add names; `-name` turns a default off.
 * Refuses a malformed name and a `-name` that is no default, so a typo cannot silently leave a secret in.
 */
export function redactionPolicy(entries: readonly string[] = []): RedactionPolicy {
  const names = new Set(DEFAULT_REDACTED_NAMES.map(normaliseName));
  const defaults = new Set(names);
  for (const raw of entries.flatMap((e) => e.split(','))) {
    const entry = raw.trim();
    if (entry === '') continue;
    const remove = entry.startsWith('-');
    const name = normaliseName(remove ? entry.slice(1) : entry);
    if (!/^[a-z0-9][a-z0-9.\-]{0,199}$/.test(name)) {
      throw new RedactionConfigError(`--redact: "${entry}" is not a name to redact (letters, digits, ".", "-" or "_"; "-name" turns a default off)`);
    }
    if (remove) {
      if (!defaults.has(name)) throw new RedactionConfigError(`--redact: "${entry}" turns off no default; the defaults are ${DEFAULT_REDACTED_NAMES.join(', ')}`);
      names.delete(name);
    } else names.add(name);
  }
  // Longest first, so `x-api-key` wins over a shorter name that ends it.
  const alternatives = [...names]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.]/g, '\\.').replace(/-/g, '[-_]'))
    .join('|');
  const textPattern = alternatives ? new RegExp(`(^|[^a-z0-9_.-])(${alternatives})=([^\\s&;"'#,]+)`, 'gi') : undefined;
  return { names, memo: new Map(), textPattern };
}

function treatmentOf(key: string, policy: RedactionPolicy): Treatment {
  const known = policy.memo.get(key);
  if (known !== undefined) return known;
  const t = classify(key, policy);
  if (policy.memo.size >= MEMO_LIMIT) policy.memo.clear();
  policy.memo.set(key, t);
  return t;
}

function classify(key: string, policy: RedactionPolicy): Treatment {
  const k = key.toLowerCase();
  if (SQL_KEYS.has(k)) return Treatment.Sql;
  const n = normaliseName(k);
  const last = n.slice(n.lastIndexOf('.') + 1);
  if (policy.names.has(n) || policy.names.has(last)) return Treatment.Secret;
  if (URL_KEYS.has(k)) return Treatment.Url;
  if (QUERY_KEYS.has(k)) return Treatment.Query;
  if (TEXT_KEYS.has(k)) return Treatment.Text;
  return Treatment.Keep;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL

// Character classes by code, the tokenizer's hot path (a regex test per character costs ten times more).
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c) || c === 36; // `$` may continue a word in PostgreSQL
const QUOTE = 39; // '
const DQUOTE = 34; // "
const DOLLAR = 36;

/**
 * The statement with every literal replaced by `?`: strings (with E/B/X/N/U& prefixes), dollar-quoted strings
 * and numbers (decimal, exponent, 0x/0o/0b). Identifiers (quoted or not), keywords, operators, `$1`
 * parameters and comments stay, so the statement's shape is kept. An unterminated literal is redacted to the end.
 */
export function redactSql(sql: string): string {
  const n = sql.length;
  let out = '';
  let copied = 0;
  let i = 0;
  const replace = (start: number, end: number) => {
    out += sql.slice(copied, start) + '?';
    copied = end;
    i = end;
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      i = endOfBlockComment(sql, i + 2);
    } else if (c === DQUOTE) {
      i = endOfQuoted(sql, i + 1, DQUOTE, false);
    } else if (c === QUOTE) {
      replace(i, endOfQuoted(sql, i + 1, QUOTE, false));
    } else if (c === DOLLAR) {
      const tagEnd = dollarTagEnd(sql, i);
      if (tagEnd > 0) {
        const tag = sql.slice(i, tagEnd);
        const close = sql.indexOf(tag, tagEnd);
        replace(i, close < 0 ? n : close + tag.length);
      } else {
        // `$1` (a parameter): not a literal
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
    } else if (isDigit(c) || (c === 46 /* . */ && isDigit(sql.charCodeAt(i + 1)))) {
      replace(i, endOfNumber(sql, i));
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(sql.charCodeAt(j))) j++;
      const prefixed = j - i <= 2 ? stringPrefix(sql, i, j) : -1;
      if (prefixed >= 0) replace(i, prefixed);
      else i = j;
    } else i++;
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

/** PostgreSQL block comments nest */
function endOfBlockComment(sql: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < sql.length && depth > 0) {
    const c = sql.charCodeAt(i);
    if (c === 47 && sql.charCodeAt(i + 1) === 42) (depth++, (i += 2));
    else if (c === 42 && sql.charCodeAt(i + 1) === 47) (depth--, (i += 2));
    else i++;
  }
  return i;
}

/** `$$` or `$tag$` at `i` (not inside a word): the index after it, else -1 */
function dollarTagEnd(sql: string, i: number): number {
  if (i > 0 && isIdentPart(sql.charCodeAt(i - 1))) return -1;
  let j = i + 1;
  if (sql.charCodeAt(j) === DOLLAR) return j + 1;
  if (!isIdentStart(sql.charCodeAt(j))) return -1;
  while (j < sql.length && j - i < 66 && isIdentPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== DOLLAR) j++;
  return sql.charCodeAt(j) === DOLLAR ? j + 1 : -1;
}

/** E'…', B'…', X'…', N'…', U&'…': the end of the literal, or -1 when the word is no such prefix */
function stringPrefix(sql: string, start: number, wordEnd: number): number {
  const word = sql.slice(start, wordEnd).toUpperCase();
  if (word === 'U' && sql.charCodeAt(wordEnd) === 38 /* & */ && sql.charCodeAt(wordEnd + 1) === QUOTE) return endOfQuoted(sql, wordEnd + 2, QUOTE, false);
  if (sql.charCodeAt(wordEnd) !== QUOTE || (word !== 'E' && word !== 'B' && word !== 'X' && word !== 'N')) return -1;
  return endOfQuoted(sql, wordEnd + 1, QUOTE, word === 'E');
}

/** index after the closing quote; a doubled quote is an escaped one, and in E'' strings so is a backslash */
function endOfQuoted(sql: string, from: number, quote: number, backslash: boolean): number {
  let i = from;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 92 /* \ */) i += 2;
    else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function endOfNumber(sql: string, start: number): number {
  // Digits, a point, an exponent with its sign, 0x/0o/0b digits and `_` separators; then the rest of any word glued
  // to it (`1abc` is no number followed by a word in SQL: keep the whole token redacted rather than leak its tail).
  let i = start;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (isIdentPart(c) || c === 46) i++;
    else if ((c === 43 || c === 45) && (sql.charCodeAt(i - 1) | 32) === 101 /* e */ && !/^0[xX]/.test(sql.slice(start, start + 2))) i++;
    else break;
  }
  return i;
}

// ---------------------------------------------------------------------------------------------------------------
// URLs and text

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** A query string (no `?`) with the values of sensitive parameters redacted; separators and the rest kept as sent. */
export function redactQuery(query: string, policy: RedactionPolicy): string {
  if (query === '') return query;
  let changed = false;
  const parts = query.split(/([&;])/);
  for (let p = 0; p < parts.length; p += 2) {
    const part = parts[p];
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (policy.names.has(normaliseName(decodeName(part.slice(0, eq)))) && part.slice(eq + 1) !== REDACTED) {
      parts[p] = `${part.slice(0, eq)}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? parts.join('') : query;
}

/** A URL (absolute, or a path with a query) with sensitive query values and the user-info password redacted. */
export function redactUrl(url: string, policy: RedactionPolicy): string {
  let out = url;
  // scheme://user:password@host: the password goes whatever the names
  const auth = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#@:]*:)([^/?#@]*)@/.exec(out);
  if (auth && auth[2] !== REDACTED) out = auth[1] + REDACTED + '@' + out.slice(auth[0].length);
  const q = out.indexOf('?');
  if (q < 0) return out;
  const hash = out.indexOf('#', q);
  const query = hash < 0 ? out.slice(q + 1) : out.slice(q + 1, hash);
  const red = redactQuery(query, policy);
  return red === query ? out : out.slice(0, q + 1) + red + (hash < 0 ? '' : out.slice(hash));
}

/** Free text with `<sensitive name>=<value>` pairs redacted (a URL in a log line, a form body). */
export function redactText(text: string, policy: RedactionPolicy): string {
  const re = policy.textPattern;
  if (!re || !text.includes('=')) return text;
  re.lastIndex = 0;
  return text.replace(re, (m, before: string, name: string, value: string) => (value === REDACTED ? m : `${before}${name}=${REDACTED}`));
}

// ---------------------------------------------------------------------------------------------------------------
// Attributes and batches (copy-on-write: what needs no change is returned as is)

function secretValue(v: AttributeValue): AttributeValue {
  // Header attributes are string arrays (OTel): keep the shape, lose the values.
  return Array.isArray(v) ? v.map(() => REDACTED) : REDACTED;
}

function mapStrings(v: AttributeValue, f: (s: string) => string): AttributeValue {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const y = typeof x === 'string' ? f(x) : x;
      if (y !== x) changed = true;
      return y;
    });
    return changed ? out : v;
  }
  return v;
}

/** A value nested in a map or list: keys below it are judged by name too. */
function redactValue(v: AttributeValue, policy: RedactionPolicy): AttributeValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const y = redactValue(x, policy);
      if (y !== x) changed = true;
      return y;
    });
    return changed ? out : v;
  }
  return redactAttributes(v, policy);
}

/** One attribute's value as redaction leaves it (what redactAttributes gives under `key`): the same value when kept. */
export function redactAttribute(key: string, v: AttributeValue, policy: RedactionPolicy): AttributeValue {
  switch (treatmentOf(key, policy)) {
    case Treatment.Keep:
      return redactValue(v, policy);
    case Treatment.Secret:
      return v === REDACTED ? v : secretValue(v);
    case Treatment.Sql:
      return mapStrings(v, redactSql);
    case Treatment.Url:
      return mapStrings(v, (s) => redactUrl(s, policy));
    case Treatment.Query:
      return mapStrings(v, (s) => (s.startsWith('?') ? redactUrl(s, policy) : redactQuery(s, policy)));
    case Treatment.Text:
      return mapStrings(v, (s) => redactText(s, policy));
  }
}

/** The attributes with secrets redacted; the same object when nothing is. */
export function redactAttributes<T extends Attributes>(attrs: T, policy: RedactionPolicy): T {
  let out: Attributes | undefined;
  for (const key in attrs) {
    const v = attrs[key];
    const r = redactAttribute(key, v, policy);
    if (r !== v) {
      out ??= { ...attrs };
      out[key] = r;
    }
  }
  return (out ?? attrs) as T;
}

function redactEvents(events: DecodedEvent[], policy: RedactionPolicy): DecodedEvent[] {
  let out: DecodedEvent[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const attributes = redactAttributes(e.attributes, policy);
    if (attributes !== e.attributes) (out ??= events.slice())[i] = { ...e, attributes };
  }
  return out ?? events;
}

export function redactSpan(s: DecodedSpan, policy: RedactionPolicy): DecodedSpan {
  const attributes = redactAttributes(s.attributes, policy);
  const events = s.events.length ? redactEvents(s.events, policy) : s.events;
  const statusMessage = s.statusMessage ? redactText(s.statusMessage, policy) : s.statusMessage;
  if (attributes === s.attributes && events === s.events && statusMessage === s.statusMessage) return s;
  return { ...s, attributes, events, ...(statusMessage !== undefined ? { statusMessage } : {}) };
}

export function redactLogRecord(r: DecodedLogRecord, policy: RedactionPolicy): DecodedLogRecord {
  const attributes = redactAttributes(r.attributes, policy);
  const body = typeof r.body === 'string' ? redactText(r.body, policy) : redactValue(r.body, policy);
  if (attributes === r.attributes && body === r.body) return r;
  return { ...r, attributes, body };
}

/** Resources: scopes of one OTLP resource share an attributes object; redact each object once and keep the sharing. */
export function redactResources(resources: DecodedResource[], policy: RedactionPolicy): DecodedResource[] {
  let out: DecodedResource[] | undefined;
  const done = new Map<Attributes, Attributes>();
  for (let i = 0; i < resources.length; i++) {
    const res = resources[i];
    let attributes = done.get(res.attributes);
    if (!attributes) {
      attributes = redactAttributes(res.attributes, policy);
      done.set(res.attributes, attributes);
    }
    if (attributes !== res.attributes) (out ??= resources.slice())[i] = { ...res, attributes };
  }
  return out ?? resources;
}

function mapItems<T>(items: T[], f: (x: T) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const y = f(items[i]);
    if (y !== items[i]) (out ??= items.slice())[i] = y;
  }
  return out ?? items;
}

export function redactTraceBatch(batch: DecodedTraceBatch, policy: RedactionPolicy): DecodedTraceBatch {
  const resources = redactResources(batch.resources, policy);
  const spans = mapItems(batch.spans, (s) => redactSpan(s, policy));
  return resources === batch.resources && spans === batch.spans ? batch : { ...batch, resources, spans };
}

export function redactLogBatch(batch: DecodedLogBatch, policy: RedactionPolicy): DecodedLogBatch {
  const resources = redactResources(batch.resources, policy);
  const records = mapItems(batch.records, (r) => redactLogRecord(r, policy));
  return resources === batch.resources && records === batch.records ? batch : { ...batch, resources, records };
}

/**
 * One trace's spans redacted in place (`spans` is the caller's own array, not a decoded batch's). The pipeline calls it
 * for what it keeps or holds, never for a trace no session wants: the firehose is dropped unread (its root's rule sees
 * the values redacted one by one, as it reads them: redactAttribute).
 */
export function redactTraceSpans(spans: DecodedSpan[], policy: RedactionPolicy): DecodedSpan[] {
  for (let i = 0; i < spans.length; i++) spans[i] = redactSpan(spans[i], policy);
  return spans;
}
