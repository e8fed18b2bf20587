import type { ExpressionError } from '../../common/api';
import type { Expr, Predicate } from './ast';
import { FIELD_DEFS, FIELD_INDEX, suggestField, type FieldType } from './fields';
import { cidrContains, type IpAddr, type IpCidr } from './ip';
import type { FieldValue, RuleInput } from './input';

/**
 * Type checking (atc-router semantics.rs, v1.7.1 wording; first error in left-to-right order wins)
 * and compilation of a checked AST into closures over RuleInput.
 */

export type Matcher = (input: RuleInput) => boolean;

type LiteralType = 'String' | 'Int' | 'IpAddr' | 'IpCidr' | 'Regex';

/** The ATC validation message for one predicate, or undefined when it is valid. */
export function checkPredicate(p: Predicate, lhsType: FieldType): string | undefined {
  const rhsType: LiteralType = p.rhs.type;
  if (p.op !== '~' && p.op !== 'in' && p.op !== 'not in' && lhsType !== rhsType) {
    return 'Type mismatch between the LHS and RHS values of predicate';
  }
  if (p.lhs.transforms.includes('lower') && lhsType !== 'String') {
    return 'lower-case transformation function only supported with String type fields';
  }
  switch (p.op) {
    case '==':
    case '!=':
      return undefined;
    case '~':
      return lhsType === 'String' ? undefined : 'Regex operators only supports string operands';
    case '^=':
    case '=^':
      return rhsType === 'String' ? undefined : 'Regex/Prefix/Postfix operators only supports string operands';
    case '>':
    case '>=':
    case '<':
    case '<=':
      return rhsType === 'Int'
        ? undefined
        : 'Greater/GreaterOrEqual/Lesser/LesserOrEqual operators only supports integer operands';
    case 'in':
    case 'not in':
      return lhsType === 'IpAddr' && rhsType === 'IpCidr' ? undefined : 'In/NotIn operators only supports IP in CIDR';
    case 'contains':
      return rhsType === 'String' ? undefined : 'Contains operator only supports string operands';
  }
}

/** First validation error, walking predicates left to right as atc-router does. */
export function check(e: Expr): ExpressionError | undefined {
  switch (e.kind) {
    case 'and':
    case 'or':
      return check(e.left) ?? check(e.right);
    case 'not':
      return check(e.expr);
    case 'predicate': {
      const idx = FIELD_INDEX.get(e.lhs.field);
      if (idx === undefined) {
        const hint = suggestField(e.lhs.field);
        return {
          message: `Unknown LHS field: ${e.lhs.field}${hint ? ` (did you mean ${hint}?)` : ''}`,
          start: e.lhs.fieldStart,
          end: e.lhs.fieldEnd,
        };
      }
      const msg = checkPredicate(e, FIELD_DEFS[idx].type);
      return msg ? { message: msg, start: e.start, end: e.end } : undefined;
    }
  }
}

/** Rust `to_lowercase` ≈ JS `toLowerCase` (both full Unicode, context-sensitive final sigma). */
const lower = (s: string) => s.toLowerCase();

function predicateTest(p: Predicate): (v: FieldValue) => boolean {
  const rhs = p.rhs;
  switch (rhs.type) {
    case 'String': {
      const r = rhs.value;
      const tx = p.lhs.transforms.includes('lower');
      const S = (f: (s: string) => boolean) => (tx ? (v: FieldValue) => f(lower(v as string)) : (v: FieldValue) => f(v as string));
      switch (p.op) {
        case '==':
          return S((s) => s === r);
        case '!=':
          return S((s) => s !== r);
        case '^=':
          return S((s) => s.startsWith(r));
        case '=^':
          return S((s) => s.endsWith(r));
        case 'contains':
          return S((s) => s.includes(r));
      }
      break;
    }
    case 'Regex': {
      const re = rhs.regex;
      const tx = p.lhs.transforms.includes('lower');
      return tx ? (v) => re.test(lower(v as string)) : (v) => re.test(v as string);
    }
    case 'Int': {
      // literals that fit a double exactly compare as numbers (fast path); others as bigint —
      // JS relational operators compare number and bigint exactly, and == is loose-equal across them
      const big = rhs.value;
      const r: number | bigint = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      switch (p.op) {
        case '==':
          return (v) => (v as number) == r; // eslint-disable-line eqeqeq
        case '!=':
          return (v) => (v as number) != r; // eslint-disable-line eqeqeq
        case '>':
          return (v) => (v as number) > r;
        case '>=':
          return (v) => (v as number) >= r;
        case '<':
          return (v) => (v as number) < r;
        case '<=':
          return (v) => (v as number) <= r;
      }
      break;
    }
    case 'IpAddr': {
      const a = rhs.addr;
      if (p.op === '==') return (v) => (v as IpAddr).v === a.v && (v as IpAddr).n === a.n;
      return (v) => !((v as IpAddr).v === a.v && (v as IpAddr).n === a.n);
    }
    case 'IpCidr': {
      const c: IpCidr = rhs.cidr;
      // different family: `in` false, `not in` true (cidr contains is simply false)
      if (p.op === 'in') return (v) => cidrContains(c, v as IpAddr);
      return (v) => !cidrContains(c, v as IpAddr);
    }
  }
  throw new Error(`unchecked predicate ${p.op} ${rhs.type}`);
}

/** Compile a checked AST to a closure. Absent field → predicate false, whatever the operator. */
export function compileExpr(e: Expr): Matcher {
  switch (e.kind) {
    case 'and': {
      const l = compileExpr(e.left);
      const r = compileExpr(e.right);
      return (i) => l(i) && r(i);
    }
    case 'or': {
      const l = compileExpr(e.left);
      const r = compileExpr(e.right);
      return (i) => l(i) || r(i);
    }
    case 'not': {
      const x = compileExpr(e.expr);
      return (i) => !x(i);
    }
    case 'predicate': {
      const idx = FIELD_INDEX.get(e.lhs.field);
      if (idx === undefined) throw new Error(`unchecked field ${e.lhs.field}`);
      // sampler fields are single-valued, so any(x) ≡ x: one value, "all" and "any" agree
      const test = predicateTest(e);
      return (i) => {
        const v = i.get(idx);
        return v !== undefined && test(v);
      };
    }
  }
}
