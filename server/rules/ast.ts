import { formatCidr, formatIp, type IpAddr, type IpCidr } from './ip';
import type { LinearRegex } from './regex';

/** AST of an ATC expression; every node keeps 0-based, end-exclusive offsets into the source. */

export type BinaryOp = '==' | '!=' | '~' | '^=' | '=^' | '>' | '>=' | '<' | '<=' | 'in' | 'not in' | 'contains';
export type Transform = 'lower' | 'any';

export interface Span {
  start: number;
  end: number;
}

export type Literal =
  | ({ type: 'String'; value: string } & Span)
  | ({ type: 'Regex'; source: string; regex: LinearRegex } & Span)
  | ({ type: 'Int'; value: bigint } & Span)
  | ({ type: 'IpAddr'; addr: IpAddr } & Span)
  | ({ type: 'IpCidr'; cidr: IpCidr } & Span);

export interface Lhs extends Span {
  field: string;
  fieldStart: number;
  fieldEnd: number;
  /** outermost first, as written: lower(any(x)) → ['lower', 'any'] */
  transforms: Transform[];
}

export interface Predicate extends Span {
  kind: 'predicate';
  lhs: Lhs;
  op: BinaryOp;
  rhs: Literal;
}

export interface Logical extends Span {
  kind: 'and' | 'or';
  left: Expr;
  right: Expr;
}

export interface Not extends Span {
  kind: 'not';
  expr: Expr;
}

export type Expr = Predicate | Logical | Not;

function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

export function formatLiteral(l: Literal): string {
  switch (l.type) {
    case 'String':
      return quote(l.value);
    case 'Regex':
      return quote(l.source);
    case 'Int':
      return l.value.toString();
    case 'IpAddr':
      return formatIp(l.addr);
    case 'IpCidr':
      return formatCidr(l.cidr);
  }
}

/** Canonical fully parenthesised form, as atc-router's `Display` prints it: `((a == 1) && !((b == 2)))`. */
export function formatAst(e: Expr): string {
  switch (e.kind) {
    case 'predicate': {
      let lhs = e.lhs.field;
      for (let k = e.lhs.transforms.length - 1; k >= 0; k--) lhs = `${e.lhs.transforms[k]}(${lhs})`;
      return `(${lhs} ${e.op} ${formatLiteral(e.rhs)})`;
    }
    case 'and':
      return `(${formatAst(e.left)} && ${formatAst(e.right)})`;
    case 'or':
      return `(${formatAst(e.left)} || ${formatAst(e.right)})`;
    case 'not':
      return `!(${formatAst(e.expr)})`;
  }
}
