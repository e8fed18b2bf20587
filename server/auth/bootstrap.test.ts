import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkGivenTokens, tokensForFirstStart, tokenWeakness, WeakTokenError } from './bootstrap';
import { SqliteTokenStore } from './tokens-sqlite';

describe('tokenWeakness', () => {
  it.each([
    ['change-me', /9 characters; at least 32/],
    ['change-me-too', /13 characters/],
    ['change-me-change-me-change-me-change-me', /placeholder/],
    ['my-secret-token-for-the-kong-debugger-x', /placeholder/],
    ['a'.repeat(40), /placeholder/],
    ['abababababababababababababababababab', /fewer than 10 different characters/],
    ['kdbg token with spaces in it, long enough', /white space/],
  ])('refuses %j', (token, why) => {
    expect(tokenWeakness(token)).toMatch(why);
  });

  it('accepts random tokens: openssl rand -hex 32 / -base64 32, and our own kdbg_ tokens', () => {
    for (const t of ['9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0a2b4d6f8a1c3e5b7d9f1a3c5e7b', 'q7Xv2bN9sKp4Lm8Rt1Wz6Yc3Hd5Jf0Ga+Ue/IoPl2Ks=', 'kdbg_0a1b2c3d4e5f_Zq9v8YhT3nR2mK7pL1wX5cJ4bF6gD0sA-_eUiOyHtVrNk']) {
      expect(tokenWeakness(t)).toBeUndefined();
    }
  });
});

describe('checkGivenTokens', () => {
  const strong = (c: string) => `${c}9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0a2b4d6f8a1c3e5b7d9f1a3c5e7`;

  it('names the flag and its variable, says why and what to do', () => {
    expect(() => checkGivenTokens({ apiToken: 'change-me' })).toThrow(WeakTokenError);
    expect(() => checkGivenTokens({ apiToken: 'change-me' })).toThrow(
      /^--api-token \(KONG_DEBUGGER_API_TOKEN\) is too weak: it has 9 characters; at least 32 are needed\. Leave it unset .* `openssl rand -hex 32`$/,
    );
    expect(() => checkGivenTokens({ apiToken: strong('a'), ingestToken: 'change-me-too' })).toThrow(/^--ingest-token \(KONG_DEBUGGER_INGEST_TOKEN\) is too weak/);
    expect(() => checkGivenTokens({ debuggerToken: 'short' })).toThrow(/^--debugger-token \(KONG_DEBUGGER_DEBUGGER_TOKEN\) is too weak/);
  });

  it('refuses one secret for two roles', () => {
    expect(() => checkGivenTokens({ apiToken: strong('a'), ingestToken: strong('a') })).toThrow(/--api-token .* and --ingest-token .* are the same secret/);
    expect(() => checkGivenTokens({ apiToken: strong('a'), debuggerToken: strong('b'), ingestToken: strong('c') })).not.toThrow();
    expect(() => checkGivenTokens({})).not.toThrow();
  });
});

describe('tokensForFirstStart', () => {
  let dir: string;
  let store: SqliteTokenStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-boot-'));
    store = new SqliteTokenStore(dir);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('makes an admin and an ingest token into an empty table, stored hashed, and none once the table is in use', async () => {
    const made = await tokensForFirstStart(store, {});
    expect(made.map((t) => t.role)).toEqual(['admin', 'ingest']);
    for (const t of made) {
      expect(t.token).toMatch(/^kdbg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(tokenWeakness(t.token)).toBeUndefined();
      expect(await store.verify(t.token)).toEqual({ tokenId: t.id, name: `first-start ${t.role}`, role: t.role, tenant: 'default' });
    }
    // the secret is in no file of the data directory (only its hash is)
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f)).includes(made[0].token.slice(-43))).toBe(false);
    expect(await tokensForFirstStart(store, {})).toEqual([]);
  });

  it('makes only the roles not given', async () => {
    const made = await tokensForFirstStart(store, { apiToken: 'given' });
    expect(made.map((t) => t.role)).toEqual(['ingest']);
  });

  it('makes none when any token exists already', async () => {
    await store.create('grafana', 'viewer', 'team-a');
    expect(await tokensForFirstStart(store, {})).toEqual([]);
  });
});
