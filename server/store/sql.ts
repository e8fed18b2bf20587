/**
 * The one difference between the SQLite and PostgreSQL stores' SQL: how arguments are written (SQLite `?` in text
 * order, PostgreSQL `$n`) and a few spellings. Storage policy (filters, deletion order, row shapes) is written once
 * over this.
 */
export type Dialect = 'sqlite' | 'postgres';

/** arguments of one statement, added in the order their placeholders appear in its text */
export class SqlArgs {
  readonly values: unknown[] = [];
  constructor(readonly dialect: Dialect) {}

  /** the placeholder of a new argument */
  add(v: unknown): string {
    this.values.push(v);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }

  /** an absolute time in ns as the driver takes it (better-sqlite3: BigInt; pg: decimal text) */
  ns(v: bigint): string {
    return this.add(this.dialect === 'sqlite' ? v : v.toString());
  }

  /** true when the boolean column is set (SQLite stores 0/1) */
  isTrue(column: string): string {
    return this.dialect === 'sqlite' ? `${column} = 1` : column;
  }

  /** `column` starts with `prefix`, without LIKE wildcards leaking from user input */
  startsWith(column: string, prefix: string): string {
    return this.dialect === 'sqlite' ? `substr(${column}, 1, ${this.add(prefix.length)}) = ${this.add(prefix)}` : `starts_with(${column}, ${this.add(prefix)})`;
  }
}
