/**
 * Test helper: Kong's own ATC engine, the npm package @kong/atc-router (a wasm-bindgen "bundler"
 * build). Its glue is an ES module that expects a bundler to wire in the wasm, so we evaluate the
 * glue ourselves and instantiate the wasm with it. A Rust panic poisons a wasm instance, so every
 * call that throws gets a fresh instance (panics are results too: Kong itself cannot run such input).
 */
import { readFileSync } from 'fs';
import { dirname, join } from 'path';

// the server's tsconfig has no DOM lib, so describe the few WebAssembly calls used here
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi & { Module: { imports(m: object): Array<{ module: string; name: string }> } } }).WebAssembly;

type AstType = 'String' | 'IpCidr' | 'IpAddr' | 'Int' | 'Regex';
export type AstValue = { String: string } | { IpAddr: string } | { Int: number };

interface Glue {
  Schema: new () => { addField(f: string, t: AstType): void };
  Parser: { parse(expr: string, schema: unknown): OracleParse };
  Router: new (s: unknown) => { addMatcher(p: number, uuid: string, atc: string): string | undefined; execute(c: unknown): boolean };
  Context: new (s: unknown) => { addValue(f: string, v: AstValue): void };
  __wbg_set_wasm(exports: Record<string, unknown>): void;
}

export type OracleParse =
  | { status: 'ok' }
  | { status: 'parseError'; parseError: { variant: { parsingError?: string; customError?: string }; location: { pos?: number; span?: [number, number] } } }
  | { status: 'validationError'; validationError: string };

export type OracleVerdict =
  | { kind: 'ok' }
  | { kind: 'parseError'; message: string; pos: number }
  | { kind: 'validationError'; message: string }
  | { kind: 'panic'; message: string };

const UUID = '00000000-0000-0000-0000-000000000001';

export class AtcOracle {
  private glue!: Glue;
  private schema!: unknown;
  private readonly module: object;
  private readonly glueSource: string;

  constructor(private readonly fields: ReadonlyArray<{ name: string; type: AstType }>) {
    const pkg = dirname(require.resolve('@kong/atc-router/package.json'));
    this.module = new WA.Module(readFileSync(join(pkg, 'atc-router_bg.wasm')));
    this.glueSource = readFileSync(join(pkg, 'atc-router_bg.js'), 'utf8');
    this.reset();
  }

  private reset(): void {
    const names: string[] = [];
    const body = this.glueSource.replace(/^export (function|class) ([A-Za-z0-9_$]+)/gm, (_m, kind: string, name: string) => {
      names.push(name);
      return `${kind} ${name}`;
    });
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const glue = new Function(`${body}\nreturn { ${names.join(', ')} };`)() as Glue & Record<string, unknown>;
    const imports: Record<string, Record<string, unknown>> = {};
    for (const imp of WA.Module.imports(this.module)) (imports[imp.module] ??= {})[imp.name] = glue[imp.name];
    glue.__wbg_set_wasm(new WA.Instance(this.module, imports).exports);
    this.glue = glue;
    const schema = new glue.Schema();
    for (const f of this.fields) schema.addField(f.name, f.type);
    this.schema = schema;
  }

  /** Parse + validate. Parser.parse cannot serialise some i64 values; addMatcher is the fallback. */
  verdict(expr: string): OracleVerdict {
    try {
      const r = this.glue.Parser.parse(expr, this.schema);
      if (r.status === 'ok') return { kind: 'ok' };
      if (r.status === 'validationError') return { kind: 'validationError', message: r.validationError };
      const v = r.parseError.variant;
      const loc = r.parseError.location;
      return { kind: 'parseError', message: v.parsingError ?? v.customError ?? '', pos: loc.pos ?? loc.span![0] };
    } catch {
      this.reset();
    }
    try {
      const err = new this.glue.Router(this.schema).addMatcher(1, UUID, expr);
      return err === undefined ? { kind: 'ok' } : { kind: 'validationError', message: err };
    } catch (e) {
      this.reset();
      return { kind: 'panic', message: (e as Error).message };
    }
  }

  /** A router holding one valid expression, to evaluate against many contexts. */
  evaluator(expr: string): (values: Record<string, AstValue | undefined>) => boolean {
    const router = new this.glue.Router(this.schema);
    const err = router.addMatcher(1, UUID, expr);
    if (err !== undefined) throw new Error(`oracle rejected ${expr}: ${err}`);
    return (values) => {
      const ctx = new this.glue.Context(this.schema);
      for (const [k, v] of Object.entries(values)) if (v !== undefined) ctx.addValue(k, v);
      return router.execute(ctx);
    };
  }
}
