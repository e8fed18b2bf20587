/**
 * Differential test against Kong's own engine (@kong/atc-router, wasm): for a hand-written and a
 * generated corpus, valid/invalid must agree (and validation messages must match), and valid
 * expressions must evaluate the same on random contexts.
 */
import { prng } from '../testing/fuzz';
import { AtcOracle, type AstValue } from './atc-oracle';
import { FIELD_DEFS, FIELD_INDEX } from './fields';
import { formatIp, type IpAddr } from './ip';
import { RuleInput } from './input';
import { compileRule, validateExpression } from './index';
import type { Attributes } from '../../common/api';

const oracle = new AtcOracle(FIELD_DEFS.map((d) => ({ name: d.name, type: d.type })));


/** Things Rust's regex accepts that we reject on purpose (documented in regex/parse.ts and regex/index.ts). */
const DELIBERATE = /not supported by kong-debugger/;

interface Disagreement {
  expr: string;
  ours: string;
  theirs: string;
}

function compareValidity(exprs: string[]): { mismatches: Disagreement[]; deliberate: Disagreement[]; valid: string[] } {
  const mismatches: Disagreement[] = [];
  const deliberate: Disagreement[] = [];
  const valid: string[] = [];
  for (const expr of exprs) {
    const ours = validateExpression(expr);
    const theirs = oracle.verdict(expr);
    const oursText = ours.valid ? 'valid' : ours.errors[0].message;
    const theirsText = theirs.kind === 'ok' ? 'valid' : `${theirs.kind}: ${theirs.message}`;
    // a deliberate rejection may also hide a later error that atc-router reports instead
    if (!ours.valid && DELIBERATE.test(oursText) && theirs.kind !== 'parseError') {
      deliberate.push({ expr, ours: oursText, theirs: theirsText });
      continue;
    }
    if (ours.valid !== (theirs.kind === 'ok')) {
      mismatches.push({ expr, ours: oursText, theirs: theirsText });
      continue;
    }
    if (theirs.kind === 'validationError' && !oursText.startsWith(theirs.message)) {
      mismatches.push({ expr, ours: oursText, theirs: theirsText });
    }
    if (theirs.kind === 'parseError' && theirs.message.startsWith('regex parse error') && !oursText.startsWith('regex parse error')) {
      mismatches.push({ expr, ours: oursText, theirs: theirsText });
    }
    if (ours.valid) valid.push(expr);
  }
  return { mismatches, deliberate, valid };
}

// ---------- hand-written corpus ----------
const S = 'http.request.method';
const REGEX_CORPUS = [
    '\\d+', '(?=x)', '(?!x)', '(?<=x)', '(?<!x)', '(a)\\1', '\\0', '[a', 'a{2,1}', 'a{,3}', '{', 'x{', ']', '[]a]',
    '[a-]', '[\\d-z]', '\\bx\\B', '(?<n>x)', '(?P<n>x)', 'x*?', '[[:alpha:]]', '[[:^alpha:]]', '\\z', '\\Z', '\\A',
    '[a-z&&[^x]]', '\\x{41}', '\\x41', '(?x) a b', '\\/', '\\-', '\\e', '\\cA', '\\u0041', '(?s).', '(?m)^x$', '\\k<n>',
    '(?i)abc', 'a(?i)b', '(?i)a(?-i)b', '(?U)a+', '\\pL', '\\p{Han}', '\\p{Greek}', '\\p{Lu}', '\\p{Nope}', '\\Q',
    '^/v1/', 'a|b', '(a|b)+', '^$', '\\w+', '\\W', '\\s', '[^\\n]', '[\\w]', '[\\W]', '\\<', '\\b{start}', 'a**',
    '(?:x)', '(x', 'x)', '\\', '[z-a]', '\\.', '\\#', '\\ ', 'é+', '\\u{10FFFF}', '\\x{D800}',
    '^*', '\\b+', '(?i)*', 'a|*', '(*)', 'a{2}{3}', 'a+?+', '$?', 'a{1001}', '()', 'a||b', '[[:apha:]]', '[^[a]]', '[[^a]]',
    '\\pN', '\\p{greek}', '\\p{Script=Greek}', '\\p{sc:greek}', '\\p{letter}', '\\p{Alphabetic}', '\\p{Emoji}',
    '\\p{any}', '\\p{ascii}', '\\p{Assigned}', '[\\x{41}-\\x{5A}]', '\\x{110000}', '(?P<1>a)', '(?<a.b>x)',
    '(?P<n>a)(?P<n>b)', 'a{0}', '\\b{start}', '\\b{end}', '\\b{nope}', '\\<', '\\>', '(?)', '(?-i)', '(?i-s:x)',
    'e{1, }', 'e{ 1}', '(?x)e{ 1 , 2 }', '(?x)e{1 ,}', '(?x)e{1, }', 'e{01}', '(?x)e {2}', '(?x)e * ', 'e{1 ,2}',
    '\\p{isGreek}', '\\p{Gréek}', '\\p{G!reek}', '\\p{Old Persian}', '\\p{oldpersian}', '\\p{whitespace}', '\\p{Punct}',
    '\\p{gc=Lu}', '\\p{sc!=greek}', '\\p{scx=Greek}', '\\p{Uppercase Letter}', '\\p{cwl}', '\\p{Hani}', '\\p{Zyyy}',
    '(?xx)a', '(?i-)a', '(?-)a', '(?i-i)a', '(?--i)a', '(?u)a', '(?R)a', '(?:)', '(?i:)', '(?-u)a', '(?s-m:.)',
    '(?i)straße', '(?i)σ', '^\\w+$', '^\\d{3}$', '\\bv1\\b', '(?m)^b', '(?m)a$', '.+', '(?s).+', '^[[:punct:]]+$',
    '(?i)[a-c]+', '\\S+\\s\\S+', '^.$', '[^a-z]', '\\D', '(?x) a  b # comment', '(?U)a+b', 'x?y??',
    // shapes that backtrack exponentially in JavaScript (issue 16): plain Rust regexes, all accepted
    '(a+){20}b', '(a|a){30}b', '^/api/(\\w+/?){1,12}$', 'a*a*a*a*a*a*a*a*b', '(a|aa)+$', '(x+x+)+y', '(?:a{10}){12}', '^(?:a{1,10}){12}$',
    // scoped flags, class algebra, negated parts (linear engine: no JavaScript RegExp limits)
    '(?i:a)b', '(?i)a(?-i:b)c', '(?i)[^a]', '(?i)\\P{Lu}', '(?i)[\\W]', '(?i)k', '(?i)[k]', '(?i)ſ', '[a-z--[aeiou]]+$',
    '^[a-z~~[k-p]]+$', '[\\W\\d]', '[^[^a]]', '[[^a]b]', '^[\\P{Greek}]$', '(?i)[a-z&&[^x]]', '(?i)[\\P{Lu}]', '(?i)[a-z&&k]', '(?i)[[:^upper:]]', '(?i)[^[^k]]', '(?i)[\\w--k]', '\\p{L}{1000}', 'a{2000}',
    '\\bé\\b', 'é\\b{end-half}', '\\b{start-half}é', '\\b{end}', '(?m)^é$', '\\p{Lu}{3}', '^a{400}$',
    // class syntax as regex-syntax reads it: (?x) spaces inside classes, leading `-`, first `]`
    '(?x)[a b]', '(?x)[ ^a]', '(?x)[a - c]', '(?x)[ # comment\na]', '[--a]', '[^--a]', '[]-a]', '[a-b-c]', '[a--b--c]',
];
const HAND: string[] = [
  `${S} == "GET"`,
  `${S}=="GET"&&http.response.status_code==200`,
  `http.method == GET`,
  `http.response.status_code >= 500`,
  `http.response.status_code == 401 || !(proxy.kong.upstream.status_code == 401)`,
  `!(proxy.kong.upstream.status_code >= 100) && http.response.status_code == 500`,
  `proxy.kong.latency_total_ms >= 100`,
  `proxy.kong.latency.3p.total_io > 0`,
  `http.path == "/v1/abc"`,
  `http.path = "/foo"`,
  `== 123`,
  `! ${S} == "a"`,
  `!!(${S} == "a")`,
  `!(!(${S} == "a"))`,
  `! (${S} == "a")`,
  `(${S} == "a"`,
  `${S} == "a")`,
  `${S} == "a" &&`,
  `${S} == "a" || `,
  `&& ${S} == "a"`,
  `()`,
  ``,
  `   `,
  `${S} == "unterminated`,
  `${S} == "bad \\q escape"`,
  `${S} == "ok \\" \\\\ \\n \\r \\t"`,
  `${S} == "multi\nline"`,
  `${S} == r#"raw "quoted" 'x'"#`,
  `${S} == r#"unterminated"`,
  `${S} == r##"x"##`,
  `${S} == ""`,
  `${S} == "é日本"`,
  `${S} contains"x"`,
  `${S} not in 10.0.0.0/8`,
  `client.address not in 10.0.0.0/8`,
  `client.address notin 10.0.0.0/8`,
  `client.address not  in 10.0.0.0/8`,
  `client.address in 10.0.0.1/8`,
  `client.address in 10.0.0.0/33`,
  `client.address in 10.0.0.0/024`,
  `client.address in 010.00.0.08/32`,
  `client.address in 1.1.1.256/32`,
  `client.address in 00000::/0`,
  `client.address in 0000:0::/0`,
  `client.address == 0000::1`,
  `client.address == 00.0.0.0`,
  `client.address in 10.0.0.0 / 8`,
  `client.address == 256.0.0.1`,
  `client.address == 01.0.0.1`,
  `client.address == 1.2.3`,
  `client.address == ::1`,
  `client.address == 0:0:0:0:0:0:0:1`,
  `client.address == 1::2::3`,
  `client.address == 1:2:3:4:5:6:7:8:9`,
  `client.address == ::ffff:1.2.3.4`,
  `client.address in ::/0`,
  `client.address in fe80::/10`,
  `client.address in fe80::1/10`,
  `client.address in ::1/129`,
  `client.address in ::1/128`,
  `client.address == 10.0.0.0/8`,
  `client.address in 10.0.0.1`,
  `client.address != 10.0.0.1`,
  `client.address ~ "x"`,
  `client.address contains "x"`,
  `net.src.ip in 192.168.0.0/16 && net.dst.ip == 10.1.1.1`,
  `net.dst.port == 8000 && net.src.port > 1024`,
  `tls.sni =^ ".example.com"`,
  `net.protocol == "https"`,
  `http.host ^= "api."`,
  `http.response.status_code == 0x1F`,
  `http.response.status_code == 0X1F`,
  `http.response.status_code == 0751`,
  `http.response.status_code == 019`,
  `http.response.status_code == 09`,
  `http.response.status_code == -0x123`,
  `http.response.status_code == -0123`,
  `http.response.status_code == - 1`,
  `http.response.status_code == 0x`,
  `http.response.status_code == 1.5`,
  `http.response.status_code == 9223372036854775807`,
  `http.response.status_code == 9223372036854775808`,
  `http.response.status_code == -9223372036854775807`,
  `http.response.status_code == -9223372036854775808`,
  `http.response.status_code == 0777777777777777777777777`,
  `http.response.status_code == "200"`,
  `http.response.status_code ~ "2.."`,
  `http.response.status_code ~ 200`,
  `http.response.status_code ^= 2`,
  `http.response.status_code contains 2`,
  `http.response.status_code in 10.0.0.0/8`,
  `${S} > 1`,
  `${S} > "a"`,
  `${S} ^= 1`,
  `${S} in "x"`,
  `${S} ~ 1`,
  `lower(${S}) == "get"`,
  `lower (${S}) == "get"`,
  `lower( ${S} ) == "get"`,
  `any(${S}) == "GET"`,
  `lower(any(${S})) == "get"`,
  `any(lower(${S})) == "get"`,
  `upper(${S}) == "GET"`,
  `lower() == "x"`,
  `lower(http.response.status_code) == 200`,
  `lower(http.response.status_code) == "200"`,
  `lower(client.address) in 10.0.0.0/8`,
  `any(http.response.status_code) > 1`,
  `unknown.field == "x"`,
  `status_code == 500`,
  `${S} == "a" || nope == "b"`,
  `nope == "b" || http.response.status_code == "x"`,
  `http.response.status_code == "x" || nope == "b"`,
  `_a == "x"`,
  `1a == "x"`,
  `http.method. == "x"`,
  `http..method == "x"`,
  `http.headers.x_foo == "x"`,
  `a == 1 && b != 2 || c >= 3`,
  `${S} == "a" && ${S} == "b" || ${S} == "c"`,
  `(((${S} == "a")))`,
  // regexes (Rust syntax)
  ...REGEX_CORPUS.map((r) => `${S} ~ r#"${r}"#`),
  `${S} ~ "\\d"`,
];

describe('differential: validity against @kong/atc-router', () => {
  it('agrees on the hand-written corpus', () => {
    const { mismatches, deliberate } = compareValidity(HAND);
    expect(mismatches).toEqual([]);
    // what we reject on purpose, as a visible list (update server/rules/README.md when this changes)
    expect(deliberate.map((d) => d.expr).sort()).toEqual([
      `${S} ~ r#"(?R)a"#`,
      `${S} ~ r#"(?-u)a"#`,
      `${S} ~ r#"a{1001}"#`,
      `${S} ~ r#"a{2000}"#`,
    ].sort());
    expect(compareValidity([`${S} ~ r#"\\p{Age=6.0}"#`]).deliberate).toHaveLength(1);
  });
});

describe('differential: every single-character regex escape', () => {
  it('agrees outside and inside a class', () => {
    const exprs: string[] = [];
    for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0xa0, 0xe9, ...Array.from({ length: 0x5f }, (_, k) => 0x20 + k)]) {
      const ch = String.fromCharCode(c);
      if (ch === '"') continue; // cannot appear before # in a raw string safely
      exprs.push(`${S} ~ r#"\\${ch}"#`, `${S} ~ r#"[\\${ch}]"#`, `${S} ~ r#"a\\${ch}b"#`);
      if (process.env.ATC_FUZZ_N) {
        for (let d = 0x20; d < 0x7f; d++) if (d !== 0x22) exprs.push(`${S} ~ r#"\\${ch}${String.fromCharCode(d)}"#`);
      }
    }
    const { mismatches } = compareValidity(exprs);
    expect(mismatches).toEqual([]);
  });
});

describe('differential: regex matching against @kong/atc-router', () => {
  it('matches the same strings for every regex both accept', () => {
    const subjects = ['', 'a', 'abc', 'ABC', 'x', 'ax', 'b', 'aab', 'v1', '/v1/x', 'é', 'É', '٣', '123', 'x\ny', 'a\nb', 'a\r\nb',
      'Straße', 'STRASSE', 'ΣΑΣ', 'σας', ' ', '\u00a0', '\t', 'a b', 'Ωmega', '漢字', '😀', 'x y', 'éx', '_', '-', '!?', 'aaa+b',
      'aB', 'AB', 'abc', 'aBc', 'K', '\u212a', 'k', 'ſ', 'S', 'é x', 'xé', 'éé', 'é', 'x\né', 'ÀÉÎ', 'aaaaaaaaaaaaaaaaaaaab',
      'a'.repeat(40), '/api/a/b/c', '/api/é/b', 'xxxxxy', 'a'.repeat(400), 'a'.repeat(120), 'a'.repeat(119)];
    const diffs: string[] = [];
    let checked = 0;
    for (const r of REGEX_CORPUS) {
      const expr = `${S} ~ r#"${r}"#`;
      const compiled = compileRule({ type: 'advanced', expression: expr });
      if (!compiled.ok || oracle.verdict(expr).kind !== 'ok') continue;
      const theirs = oracle.evaluator(expr);
      for (const subject of subjects) {
        checked++;
        const a = compiled.matcher(new RuleInput({ [S]: subject }));
        const b = theirs({ [S]: { String: subject } });
        if (a !== b) diffs.push(`${r} on ${JSON.stringify(subject)}: ours ${a}, atc ${b}`);
      }
    }
    expect(checked).toBeGreaterThan(2000);
    expect(diffs).toEqual([]);
  });
});

describe('differential: generated regexes against @kong/atc-router', () => {
  // random Rust regexes over the constructs the linear engine handles itself (flags, Unicode
  // classes, class algebra, word boundaries, counted repetition), matched on ASCII and non-ASCII text
  it('agree on validity and on every subject', () => {
    const rnd = prng(Number(process.env.ATC_FUZZ_SEED ?? 0x7e9e));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const atoms = ['a', 'b', 'é', 'Σ', 'σ', 'k', '.', '\\d', '\\w', '\\W', '\\s', '\\pL', '\\p{Greek}', '\\PL', '[a-cé]', '[^a]',
      '[\\w&&[^a]]', '[a-z--[b-y]]', '[[^b]a]', '[\\Wa]', '[[:alpha:]]', '[[:^digit:]]', '\\b', '\\B', '\\b{start}', '\\b{end}',
      '\\b{start-half}', '\\b{end-half}', '^', '$', '(?m)^', '(?m)$', '(?i)', '(?-i)', '(?s)', '(?i)ſ', '\\x{212A}',
      '(?x)', '(?-x)', ' ', '[ ^a-c]', '[--a]', '[a - c]', '\\b{2}'];
    const quants = ['', '', '', '*', '+', '?', '{2}', '{0,3}', '{1,}', '+?', '{2}{2}'];
    const gen = (depth: number): string => {
      let out = '';
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
        const atom = depth < 2 && rnd() < 0.25 ? `(${pick(['', '?:', '?i:', '?-i:'])}${gen(depth + 1)}${rnd() < 0.4 ? `|${gen(depth + 1)}` : ''})` : pick(atoms);
        out += atom + (atom.startsWith('(?') && atom.endsWith(')') && !atom.includes(':') ? '' : pick(quants));
      }
      return out;
    };
    const subjects = ['', 'a', 'ab', 'é', 'aé', 'éa', 'a b', 'ΣΑΣ', 'σας', 'K', '\u212a', 'ſs', 'A-Z', '٣', 'x\né', 'abab', 'ébé!', '_1'];
    const diffs: string[] = [];
    let compared = 0;
    let valid = 0;
    for (let n = 0; n < Number(process.env.ATC_FUZZ_N ?? 200); n++) {
      const r = gen(0);
      const expr = `${S} ~ r#"${r}"#`;
      const ours = compileRule({ type: 'advanced', expression: expr });
      const theirs = oracle.verdict(expr);
      if (!ours.ok && DELIBERATE.test(ours.errors[0].message)) continue;
      if (ours.ok !== (theirs.kind === 'ok')) {
        diffs.push(`${r}: ours ${ours.ok ? 'valid' : ours.errors[0].message}, atc ${theirs.kind === 'ok' ? 'valid' : theirs.message}`);
        continue;
      }
      if (!ours.ok) continue;
      valid++;
      const atc = oracle.evaluator(expr);
      for (const subject of subjects) {
        compared++;
        const a = ours.matcher(new RuleInput({ [S]: subject }));
        const b = atc({ [S]: { String: subject } });
        if (a !== b) diffs.push(`${r} on ${JSON.stringify(subject)}: ours ${a}, atc ${b}`);
      }
    }
    expect(valid).toBeGreaterThan(60);
    expect(compared).toBeGreaterThan(1000);
    expect(diffs).toEqual([]);
  });
});

// ---------- generated corpus ----------
const GEN_FIELDS = [
  'http.request.method',
  'http.method',
  'http.path',
  'server.address',
  'tls.sni',
  'http.response.status_code',
  'client.port',
  'proxy.kong.latency.total',
  'client.address',
  'net.dst.ip',
];
const STRINGS = ['GET', 'get', 'Get', '/v1/orders', '/v1', 'orders', '', 'ΣΑΣ', 'İx', 'straße', '٣4', 'a b', 'x\ny', 'é'];
const REGEXES = ['^/v1', '\\d+', '^\\d+$', '(?i)get', '^\\w+$', '\\bv1\\b', '[[:alpha:]]+', '\\p{Greek}', '.', '(?s)x.y', 'x.y', '^$', '(?m)^y$', 'a|b', 'e{1,}', '\\s', '[^a-z]', 'S+?', '(?x) G E T'];
const INTS = [0n, 1n, 200n, 404n, 500n, -1n, 0x1fn, 65535n, 9007199254740993n];
const ADDRS = ['10.0.0.1', '10.1.2.3', '192.168.1.1', '0.0.0.0', '::1', '2001:db8::1', 'fe80::1'];
const CIDRS = ['10.0.0.0/8', '192.168.0.0/16', '0.0.0.0/0', '10.0.0.1/32', '::/0', '2001:db8::/32', 'fe80::/10', '::1/128'];
const OPS = ['==', '!=', '~', '^=', '=^', 'contains', '>', '>=', '<', '<=', 'in', 'not in'];

function typeOf(field: string) {
  return FIELD_DEFS[FIELD_INDEX.get(field)!].type;
}

function genExpr(rnd: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const sp = () => pick(['', ' ', ' ', '  ', '\n']);
  const r = rnd();
  if (depth < 3 && r < 0.25) return `${genExpr(rnd, depth + 1)}${sp()}${pick(['&&', '||'])}${sp()}${genExpr(rnd, depth + 1)}`;
  if (depth < 3 && r < 0.35) return `${pick(['', '!', '!'])}(${sp()}${genExpr(rnd, depth + 1)}${sp()})`;
  const field = pick(GEN_FIELDS);
  const t = typeOf(field);
  // mostly well-typed, sometimes deliberately ill-typed for validation coverage
  const sane = rnd() < 0.8;
  let op: string;
  if (!sane) op = pick(OPS);
  else if (t === 'String') op = pick(['==', '!=', '~', '^=', '=^', 'contains', '~']);
  else if (t === 'Int') op = pick(['==', '!=', '>', '>=', '<', '<=']);
  else op = pick(['==', '!=', 'in', 'not in', 'in']);
  let lhs = field;
  if (rnd() < 0.15) lhs = `${pick(['lower', 'any'])}(${lhs})`;
  if (rnd() < 0.05) lhs = `${pick(['lower', 'any'])}(${lhs})`;
  const litType = sane ? (op === '~' ? 'Regex' : op === 'in' || op === 'not in' ? 'IpCidr' : t) : pick(['String', 'Int', 'IpAddr', 'IpCidr', 'Regex']);
  let lit: string;
  switch (litType) {
    case 'String':
      lit = JSON.stringify(pick(STRINGS));
      break;
    case 'Regex':
      lit = `r#"${pick(REGEXES)}"#`;
      break;
    case 'Int': {
      const v = pick(INTS);
      lit = rnd() < 0.2 && v >= 0n ? `0x${v.toString(16)}` : rnd() < 0.1 && v > 0n ? `0${v.toString(8)}` : v.toString();
      break;
    }
    case 'IpAddr':
      lit = pick(ADDRS);
      break;
    default:
      lit = pick(CIDRS);
  }
  return `${lhs}${sp()}${op}${sp()}${lit}`;
}

/** Random edit (insert/delete/replace one char) to explore the invalid side of the grammar. */
function mutate(rnd: () => number, s: string): string {
  const alphabet = ['(', ')', '!', '&', '|', '"', '=', '~', '^', ' ', '#', 'r', '/', ':', '.', '-', '0', 'x', 'a', '\\',
    '[', ']', '{', '}', '*', '+', '?', '<', '>', 'P', 'd', 'w', 'b', 'p', '1', '9', ',', '$', 'n', 'i', 'u', 'é'];
  const i = Math.floor(rnd() * (s.length + 1));
  const c = alphabet[Math.floor(rnd() * alphabet.length)];
  const k = rnd();
  if (k < 0.33) return s.slice(0, i) + c + s.slice(i);
  if (k < 0.66) return s.slice(0, i) + s.slice(i + 1);
  return s.slice(0, i) + c + s.slice(i + 1);
}

function randomAttributes(rnd: () => number): Attributes {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const attrs: Attributes = {};
  const maybe = (name: string, gen: () => Attributes[string]) => {
    if (rnd() < 0.8) attrs[name] = gen();
  };
  const str = () => pick([...STRINGS, 'x\ny', 'GET']);
  const int = () => {
    const v = Number(pick(INTS.slice(0, 8)));
    return pick([v, v, String(v)]);
  };
  maybe('http.request.method', str);
  maybe('url.path', () => '/' + str());
  maybe('server.address', () => pick([...ADDRS, ...STRINGS]));
  maybe('tls.client.server_name', str);
  maybe('http.response.status_code', int);
  maybe('client.port', int);
  maybe('proxy.kong.latency.total', int);
  maybe('client.address', () => pick(ADDRS));
  return attrs;
}

function toAstValue(v: unknown): AstValue | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return { String: v };
  if (typeof v === 'number') return { Int: v };
  return { IpAddr: formatIp(v as IpAddr) };
}

describe('differential: generated corpus against @kong/atc-router', () => {
  // ATC_FUZZ_N / ATC_FUZZ_SEED widen the search locally (e.g. ATC_FUZZ_N=50000); CI keeps it small
  const size = Number(process.env.ATC_FUZZ_N ?? 2500);
  const rnd = prng(Number(process.env.ATC_FUZZ_SEED ?? 20261124));
  const generated: string[] = [];
  for (let k = 0; k < size; k++) generated.push(genExpr(rnd));
  const mutated = generated.map((e) => mutate(rnd, rnd() < 0.3 ? mutate(rnd, e) : e));

  it('agrees on validity and validation messages (generated + mutated)', () => {
    const { mismatches } = compareValidity([...generated, ...mutated]);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(mismatches.length).toBe(0);
  });

  it('evaluates valid expressions identically on random contexts', () => {
    // mutated expressions that stay valid reach odd corners (edited regexes, literals)
    const { valid } = compareValidity([...generated, ...mutated]);
    expect(valid.length).toBeGreaterThan(size * 0.4);
    const diffs: Array<{ expr: string; attrs: Attributes; ours: boolean; theirs: boolean }> = [];
    let trues = 0;
    let total = 0;
    for (const expr of valid) {
      const compiled = compileRule({ type: 'advanced', expression: expr });
      if (!compiled.ok) throw new Error(expr);
      const theirs = oracle.evaluator(expr);
      for (let c = 0; c < 12; c++) {
        const attrs = randomAttributes(rnd);
        const input = new RuleInput(attrs);
        const ctx: Record<string, AstValue | undefined> = {};
        for (const name of GEN_FIELDS) ctx[name] = toAstValue(input.get(FIELD_INDEX.get(name)!));
        const a = compiled.matcher(new RuleInput(attrs));
        const b = theirs(ctx);
        total++;
        if (a) trues++;
        if (a !== b && diffs.length < 10) diffs.push({ expr, attrs, ours: a, theirs: b });
      }
    }
    expect(diffs).toEqual([]);
    // the corpus must exercise both outcomes, or the comparison proves little
    expect(trues).toBeGreaterThan(total * 0.1);
    expect(trues).toBeLessThan(total * 0.9);
  });
});
