import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

/**
 * A small TemplateSrv for tests: `$name`, `${name}` and `${name:csv}` from a map of (multi-)values; scoped vars
 * win over dashboard ones, as in Grafana. Unknown variables are left as written, also as in Grafana.
 */
export function fakeTemplateSrv(vars: Record<string, string | string[]>): TemplateSrv {
  const lookup = (name: string, scopedVars?: ScopedVars): string | string[] | undefined => {
    const scoped = scopedVars?.[name];
    if (scoped) {
      return scoped.value as string;
    }
    return vars[name];
  };
  const format = (value: string | string[], fmt?: unknown): string => {
    if (!Array.isArray(value)) {
      return value;
    }
    if (typeof fmt === 'function') {
      return fmt(value);
    }
    return fmt === 'csv' ? value.join(',') : `{${value.join(',')}}`;
  };
  return {
    getVariables: () => Object.keys(vars).map((name) => ({ name, type: 'custom' }) as unknown as TypedVariableModel),
    replace: (target?: string, scopedVars?: ScopedVars, fmt?: string | Function) =>
      (target ?? '').replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (match, braced, inlineFmt, bare) => {
        const value = lookup(braced ?? bare, scopedVars);
        return value === undefined ? match : format(value, inlineFmt ?? fmt);
      }),
    containsTemplate: (target?: string) => /\$\{?\w+/.test(target ?? ''),
    updateTimeRange: () => {},
  } as TemplateSrv;
}
