/**
 * Advanced sampling rule editor: the expression is validated by the backend as you type (debounced;
 * stale answers dropped) and each error is shown at its position (underlined + line:column + message).
 */
import React, { useEffect, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Icon, TextArea, useStyles2 } from '@grafana/ui';
import type { ExpressionError } from '../../common/api';
import { errorSegments, lineColumn } from './expressionErrors';
import { PagesApi, errorMessage } from './useDebuggerApi';

export const VALIDATE_DEBOUNCE_MS = 300;

export type ValidationState =
  | { status: 'idle' | 'checking' }
  | { status: 'valid' }
  | { status: 'invalid'; errors: ExpressionError[] }
  | { status: 'failed'; message: string };

export interface ExpressionEditorProps {
  api: Pick<PagesApi, 'validateExpression'>;
  value: string;
  onChange: (value: string) => void;
  /** errors from elsewhere (e.g. the create call rejected the rule) */
  externalErrors?: ExpressionError[];
  onValidation?: (state: ValidationState) => void;
}

export function ExpressionEditor({ api, value, onChange, externalErrors, onValidation }: ExpressionEditorProps) {
  const styles = useStyles2(getStyles);
  // The answer is kept with the text it is for: anything else on screen is "checking" (derived, no effect state).
  const [result, setResult] = useState<{ value: string; state: ValidationState }>();
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    if (!value.trim()) {
      return;
    }
    const t = setTimeout(() => {
      const settle = (state: ValidationState) => {
        if (mine === seq.current) {
          setResult({ value, state });
          onValidation?.(state);
        }
      };
      api.validateExpression(value).then(
        (r) => settle(r.valid ? { status: 'valid' } : { status: 'invalid', errors: r.errors }),
        (e: unknown) => settle({ status: 'failed', message: errorMessage(e) })
      );
    }, VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [api, value, onValidation]);

  const state: ValidationState = !value.trim()
    ? { status: 'idle' }
    : result && result.value === value
      ? result.state
      : { status: 'checking' };

  const errors = externalErrors?.length ? externalErrors : state.status === 'invalid' ? state.errors : [];
  return (
    <div className={styles.root}>
      <TextArea
        aria-label="Expression"
        className={styles.input}
        value={value}
        rows={3}
        spellCheck={false}
        placeholder={'http.method == "POST" && http.path ^= "/orders" && http.response.status_code >= 500'}
        onChange={(e) => onChange(e.currentTarget.value)}
        invalid={errors.length > 0}
      />
      {errors.length > 0 && (
        <div data-testid="expression-errors">
          <pre className={styles.mirror} aria-label="Expression with errors marked">
            {errorSegments(value, errors).map((s, i) =>
              s.error ? (
                <mark key={i} className={styles.mark}>
                  {s.text}
                </mark>
              ) : (
                <span key={i}>{s.text}</span>
              )
            )}
          </pre>
          <ul className={styles.list}>
            {errors.map((e, i) => {
              const { line, column } = lineColumn(value, e.start);
              return (
                <li key={i} className={styles.error}>
                  <Icon name="exclamation-triangle" /> {line}:{column}: {e.message}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <div className={cx(styles.status, state.status === 'valid' && styles.ok)} aria-live="polite">
        {state.status === 'checking' && 'Checking…'}
        {state.status === 'valid' && !externalErrors?.length && (
          <>
            <Icon name="check" /> Valid expression
          </>
        )}
        {state.status === 'failed' && `Could not validate: ${state.message}`}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  input: css({ fontFamily: theme.typography.fontFamilyMonospace }),
  mirror: css({
    margin: 0,
    padding: theme.spacing(0.5, 1),
    fontFamily: theme.typography.fontFamilyMonospace,
    whiteSpace: 'pre-wrap',
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
  }),
  mark: css({
    background: 'transparent',
    color: theme.colors.error.text,
    textDecoration: `underline wavy ${theme.colors.error.main}`,
    textUnderlineOffset: 3,
  }),
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
  status: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, minHeight: 18 }),
  ok: css({ color: theme.colors.success.text }),
});
