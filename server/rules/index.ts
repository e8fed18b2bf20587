/**
 * Sampling-rule engine: Kong's expressions (ATC router) language over the debugger's sampler
 * fields, plus basic route/service rules. Everything a session needs to judge a trace's root span.
 */
import type { Attributes, ExpressionError, SamplingRule, ValidateExpressionResponse } from '../../common/api';
import { compileExpr, check, type Matcher } from './compile';
import { FIELD_INDEX } from './fields';
import { RuleInput } from './input';
import { parse } from './parser';

export { SAMPLER_FIELDS } from './fields';
export { formatAst } from './ast';
export { parse, MAX_EXPRESSION_LENGTH, MAX_NESTING } from './parser';
export { RuleInput, makeRuleInput } from './input';
export type { Matcher } from './compile';

type CompileResult = { ok: true; matcher: Matcher } | { ok: false; errors: ExpressionError[] };

function compileExpression(src: string): CompileResult {
  const parsed = parse(src);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const err = check(parsed.ast);
  if (err) return { ok: false, errors: [err] };
  return { ok: true, matcher: compileExpr(parsed.ast) };
}

export function validateExpression(src: string): ValidateExpressionResponse {
  if (typeof src !== 'string') return { valid: false, errors: [{ message: 'expression must be a string', start: 0, end: 0 }] };
  const r = compileExpression(src);
  return r.ok ? { valid: true, errors: [] } : { valid: false, errors: r.errors };
}

const ROUTE_ID = FIELD_INDEX.get('proxy.kong.route.id')!;
const SERVICE_ID = FIELD_INDEX.get('proxy.kong.service.id')!;

export function compileRule(rule: SamplingRule): CompileResult {
  if (rule && rule.type === 'advanced') {
    if (typeof rule.expression !== 'string') {
      return { ok: false, errors: [{ message: 'advanced rule needs an expression string', start: 0, end: 0 }] };
    }
    return compileExpression(rule.expression);
  }
  if (rule && rule.type === 'basic') {
    const ids = (xs: unknown, what: string): Set<string> | ExpressionError => {
      if (xs === undefined) return new Set();
      if (!Array.isArray(xs) || xs.some((x) => typeof x !== 'string' || x === '')) {
        return { message: `${what} must be a list of non-empty strings`, start: 0, end: 0 };
      }
      return new Set(xs as string[]);
    };
    const routes = ids(rule.routeIds, 'routeIds');
    const services = ids(rule.serviceIds, 'serviceIds');
    if (!(routes instanceof Set)) return { ok: false, errors: [routes] };
    if (!(services instanceof Set)) return { ok: false, errors: [services] };
    if (routes.size === 0 && services.size === 0) {
      return { ok: false, errors: [{ message: 'a basic rule needs at least one route id or service id', start: 0, end: 0 }] };
    }
    const matcher: Matcher = (input: RuleInput) => {
      const r = input.get(ROUTE_ID);
      if (r !== undefined && routes.has(r as string)) return true;
      const s = input.get(SERVICE_ID);
      return s !== undefined && services.has(s as string);
    };
    return { ok: true, matcher };
  }
  return { ok: false, errors: [{ message: "rule type must be 'basic' or 'advanced'", start: 0, end: 0 }] };
}

/** Convenience for callers that hold raw attributes. */
export function matchesRoot(matcher: Matcher, rootSpanAttributes: Attributes, resourceAttributes?: Attributes): boolean {
  return matcher(new RuleInput(rootSpanAttributes, resourceAttributes));
}
