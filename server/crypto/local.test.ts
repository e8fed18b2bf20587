import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyProviderFromConfig } from './config';
import { LOCAL_KEK_FILE, LocalKeyProvider } from './local';
import { StaticKeyProvider } from './static';
import { VaultTransitProvider } from './vault';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-kek-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const ctx = { sessionId: 's1' };

describe('LocalKeyProvider', () => {
  it('creates the KEK file on first start with mode 0600 and reuses it afterwards', async () => {
    const p = LocalKeyProvider.open(dir);
    const file = path.join(dir, LOCAL_KEK_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const before = fs.readFileSync(file, 'utf8');
    const dek = randomBytes(32);
    const w = await p.wrap(dek, ctx);
    expect(w.kekId).toBe('local:v1');
    const again = LocalKeyProvider.open(dir);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(await again.unwrap(w, ctx)).toEqual(dek);
  });

  it('binds a wrapped DEK to its session', async () => {
    const p = LocalKeyProvider.open(dir);
    const w = await p.wrap(randomBytes(32), ctx);
    await expect(p.unwrap(w, { sessionId: 's2' })).rejects.toThrow('the wrapped data key does not open with local:v1');
  });

  it('refuses a key file others can read', () => {
    LocalKeyProvider.open(dir);
    const file = path.join(dir, LOCAL_KEK_FILE);
    fs.chmodSync(file, 0o644);
    expect(() => LocalKeyProvider.open(dir)).toThrow(`the key file ${file} is accessible by other users (mode 644); run chmod 600 on it`);
  });

  it('rotates to a new version kept in the same 0600 file; old versions still unwrap, another process sees the new one', async () => {
    const p = LocalKeyProvider.open(dir);
    const other = LocalKeyProvider.open(dir); // e.g. the running server while the CLI rotates
    const dek = randomBytes(32);
    const old = await p.wrap(dek, ctx);
    await p.rotate();
    expect(p.currentKekId).toBe('local:v2');
    expect(fs.statSync(path.join(dir, LOCAL_KEK_FILE)).mode & 0o777).toBe(0o600);
    const fresh = await p.wrap(dek, ctx);
    expect(fresh.kekId).toBe('local:v2');
    expect(await p.unwrap(old, ctx)).toEqual(dek);
    expect(await other.unwrap(fresh, ctx)).toEqual(dek);
  });
});

describe('StaticKeyProvider and keyProviderFromConfig', () => {
  it('takes KONG_DEBUGGER_KEK as base64 of exactly 32 bytes, and a key file as raw bytes or base64', async () => {
    const key = randomBytes(32);
    const fromEnv = StaticKeyProvider.fromBase64(key.toString('base64'));
    fs.writeFileSync(path.join(dir, 'raw.key'), key);
    fs.writeFileSync(path.join(dir, 'b64.key'), key.toString('base64') + '\n');
    const raw = StaticKeyProvider.fromFile(path.join(dir, 'raw.key'));
    const b64 = StaticKeyProvider.fromFile(path.join(dir, 'b64.key'));
    expect(raw.kekId).toBe(fromEnv.kekId);
    expect(b64.kekId).toBe(fromEnv.kekId);
    const dek = randomBytes(32);
    expect(await raw.unwrap(await fromEnv.wrap(dek, ctx), ctx)).toEqual(dek);
    expect(() => StaticKeyProvider.fromBase64(randomBytes(16).toString('base64'))).toThrow('KONG_DEBUGGER_KEK decodes to 16 bytes; a 256-bit key needs exactly 32');
    expect(() => StaticKeyProvider.fromBase64('not base64!')).toThrow('KONG_DEBUGGER_KEK is not base64');
  });

  it('names the key a DEK needs when another static key is configured', async () => {
    const a = StaticKeyProvider.fromBase64(randomBytes(32).toString('base64'));
    const b = StaticKeyProvider.fromBase64(randomBytes(32).toString('base64'));
    await expect(b.unwrap(await a.wrap(randomBytes(32), ctx), ctx)).rejects.toThrow(`the configured key is ${b.kekId}`);
  });

  it('picks one provider and refuses two key sources', () => {
    expect(keyProviderFromConfig({ dataDir: dir })).toBeInstanceOf(LocalKeyProvider);
    expect(keyProviderFromConfig({ dataDir: dir, kekBase64: randomBytes(32).toString('base64') })).toBeInstanceOf(StaticKeyProvider);
    expect(keyProviderFromConfig({ dataDir: dir, vaultKey: 'k', vaultAddr: 'http://127.0.0.1:8200', vaultToken: 't' })).toBeInstanceOf(VaultTransitProvider);
    expect(() => keyProviderFromConfig({ dataDir: dir, vaultKey: 'k', kekFile: '/x' })).toThrow('choose one key source, not --vault-key/KONG_DEBUGGER_VAULT_KEY and --kek-file');
    expect(() => keyProviderFromConfig({ dataDir: dir, kekFile: path.join(dir, 'missing') })).toThrow(/^cannot read the key file/);
  });
});
