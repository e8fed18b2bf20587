/** New session form: name, basic (routes/services) or advanced (expression) rule, duration, max traces, logs. */
import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  Alert,
  Button,
  Field,
  Input,
  LinkButton,
  LoadingPlaceholder,
  MultiSelect,
  RadioButtonGroup,
  Stack,
  Switch,
  useStyles2,
} from '@grafana/ui';
import { useLocation, useNavigate } from 'react-router-dom';
import type { CreateSessionRequest, EntityInfo, ExpressionError } from '../../common/api';
import { resolveEntityRef } from '../../common/entity-ref';
import { DEFAULT_MAX_TRACES, MAX_DURATION_S, MIN_DURATION_S, ROUTES } from './constants';
import { ExpressionEditor, ValidationState } from './ExpressionEditor';
import { PagesApi, errorMessage, useDebuggerApi } from './useDebuggerApi';

/** The form's page body (the scene page around it draws Grafana's page chrome). */
export function NewSessionPage() {
  const { api, error, loading } = useDebuggerApi();
  return (
    <>
      {loading && <LoadingPlaceholder text="Finding the Kong Debugger data source…" />}
      {error && (
        <Alert severity="error" title="Kong Debugger is not available">
          {error}
        </Alert>
      )}
      {api && <NewSessionForm api={api} />}
    </>
  );
}

type Entity = EntityInfo;
/** Kong's name as the label, the id (and paths/hosts, the gateway) as the description shown on hover. */
export const toOptions = (list: Entity[]): Array<SelectableValue<string>> =>
  list.map((e) => ({
    value: e.id,
    label: e.name ?? e.id,
    title: e.id,
    description: [e.name ? e.id : undefined, e.paths?.join(' '), e.hosts?.join(' '), e.gateway && `gateway ${e.gateway}`]
      .filter(Boolean)
      .join(' · '),
  }));

/** `?route=` / `?service=` (repeatable; name or id) → ids, once the entity list is known */
export function prefillFromQuery(search: string, list: Entity[], key: 'route' | 'service'): string[] {
  const out: string[] = [];
  for (const ref of new URLSearchParams(search).getAll(key)) {
    if (!ref.trim()) {
      continue;
    }
    const r = resolveEntityRef(list, ref);
    out.push('id' in r ? r.id : ref.trim());
  }
  return [...new Set(out)];
}

export interface FormErrors {
  duration?: string;
  maxTraces?: string;
  rule?: string;
}

/** Pure form validation (the backend validates again; this gives immediate, precise feedback). */
export function validateForm(f: {
  ruleType: 'basic' | 'advanced';
  routeIds: string[];
  serviceIds: string[];
  expression: string;
  duration: string;
  maxTraces: string;
}): FormErrors {
  const errors: FormErrors = {};
  const d = Number(f.duration);
  if (!Number.isInteger(d) || d < MIN_DURATION_S || d > MAX_DURATION_S) {
    errors.duration = `Duration must be a whole number of seconds from ${MIN_DURATION_S} to ${MAX_DURATION_S} (30 min).`;
  }
  const m = Number(f.maxTraces);
  if (!Number.isInteger(m) || m < 1) {
    errors.maxTraces = 'Max traces must be a whole number ≥ 1.';
  }
  if (f.ruleType === 'basic' && f.routeIds.length === 0 && f.serviceIds.length === 0) {
    errors.rule = 'Pick at least one route or service (or use an advanced rule).';
  }
  if (f.ruleType === 'advanced' && !f.expression.trim()) {
    errors.rule = 'Enter an expression.';
  }
  return errors;
}

export function NewSessionForm({ api }: { api: PagesApi }) {
  const styles = useStyles2(getStyles);
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [ruleType, setRuleType] = useState<'basic' | 'advanced'>('basic');
  const [routeIds, setRouteIds] = useState<string[]>([]);
  const [serviceIds, setServiceIds] = useState<string[]>([]);
  const [expression, setExpression] = useState('');
  const [validation, setValidation] = useState<ValidationState>({ status: 'idle' });
  const [duration, setDuration] = useState('300');
  const [maxTraces, setMaxTraces] = useState(String(DEFAULT_MAX_TRACES));
  const [captureLogs, setCaptureLogs] = useState(true);
  const [entities, setEntities] = useState<{ routes: Entity[]; services: Entity[] }>({ routes: [], services: [] });
  const [entitiesError, setEntitiesError] = useState<string>();
  const [submitError, setSubmitError] = useState<{ message: string; errors: ExpressionError[] }>();
  const [submitted, setSubmitted] = useState(false);
  const [creating, setCreating] = useState(false);

  const { search } = useLocation();
  useEffect(() => {
    // Opened from a route (`/sessions/new?route=checkout`): pre-filled once the names are known (or as typed).
    const prefill = (list: { routes: Entity[]; services: Entity[] }) => {
      const routes = prefillFromQuery(search, list.routes, 'route');
      const services = prefillFromQuery(search, list.services, 'service');
      if (routes.length || services.length) {
        setRuleType('basic');
        setRouteIds(routes);
        setServiceIds(services);
      }
    };
    api.listEntities().then(
      (list) => {
        setEntities(list);
        prefill(list);
      },
      (e) => {
        setEntitiesError(errorMessage(e));
        prefill({ routes: [], services: [] });
      }
    );
    // "Run again" (`?again=<session id>`; `from` is the time range's): the same rule, duration, cap and logs setting.
    const from = new URLSearchParams(search).get('again');
    let cancelled = false;
    if (from) {
      api.getSession(from).then(
        (s) => {
          if (cancelled) {
            return;
          }
          setName(s.name ? `${s.name} (again)` : '');
          setRuleType(s.rule.type);
          if (s.rule.type === 'basic') {
            setRouteIds(s.rule.routeIds ?? []);
            setServiceIds(s.rule.serviceIds ?? []);
          } else {
            setExpression(s.rule.expression);
          }
          setDuration(String(s.durationSeconds));
          setMaxTraces(String(s.maxTraces));
          setCaptureLogs(s.captureLogs);
        },
        (e) => !cancelled && setEntitiesError(`Could not read session ${from} to run it again: ${errorMessage(e)}`)
      );
    }
    return () => {
      cancelled = true;
    };
  }, [api, search]);

  const routeOptions = useMemo(() => withCustom(toOptions(entities.routes), routeIds), [entities.routes, routeIds]);
  const serviceOptions = useMemo(
    () => withCustom(toOptions(entities.services), serviceIds),
    [entities.services, serviceIds]
  );
  const errors = validateForm({ ruleType, routeIds, serviceIds, expression, duration, maxTraces });
  const expressionInvalid = ruleType === 'advanced' && validation.status === 'invalid';

  const submit = async () => {
    setSubmitted(true);
    setSubmitError(undefined);
    if (Object.keys(errors).length > 0 || expressionInvalid) {
      return;
    }
    const req: CreateSessionRequest = {
      name: name.trim() || undefined,
      rule: ruleType === 'basic' ? { type: 'basic', routeIds, serviceIds } : { type: 'advanced', expression },
      durationSeconds: Number(duration),
      maxTraces: Number(maxTraces),
      captureLogs,
    };
    setCreating(true);
    try {
      const session = await api.createSession(req);
      navigate(ROUTES.session(session.id));
    } catch (e) {
      const list = (e as { errors?: ExpressionError[] }).errors;
      setSubmitError({ message: errorMessage(e), errors: Array.isArray(list) ? list : [] });
    } finally {
      setCreating(false);
    }
  };

  return (
    <form
      className={styles.form}
      aria-label="New debug session"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2>New debug session</h2>
      <Field label="Name" description="Optional; shown in the sessions list.">
        <Input
          aria-label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          placeholder="checkout 5xx"
        />
      </Field>
      <Field label="Sampling rule">
        <RadioButtonGroup<'basic' | 'advanced'>
          options={[
            { label: 'Basic', value: 'basic', description: 'Routes and services' },
            { label: 'Advanced', value: 'advanced', description: "Kong's expressions language" },
          ]}
          value={ruleType}
          onChange={(v) => setRuleType(v)}
        />
      </Field>
      {ruleType === 'basic' ? (
        <>
          {entitiesError && (
            <Alert
              severity="warning"
              title="Could not load routes and services"
            >{`${entitiesError} You can still type ids.`}</Alert>
          )}
          <Field
            label="Routes"
            description="Traces of any of these routes are captured. Type an id to add one not listed."
          >
            <MultiSelect
              aria-label="Routes"
              inputId="routes"
              options={routeOptions}
              value={routeIds}
              allowCustomValue
              onChange={(v) => setRouteIds(v.map((o) => o.value!).filter(Boolean))}
            />
          </Field>
          <Field
            label="Services"
            description="…or of any of these services."
            invalid={submitted && !!errors.rule}
            error={submitted ? errors.rule : undefined}
          >
            <MultiSelect
              aria-label="Services"
              inputId="services"
              options={serviceOptions}
              value={serviceIds}
              allowCustomValue
              onChange={(v) => setServiceIds(v.map((o) => o.value!).filter(Boolean))}
            />
          </Field>
        </>
      ) : (
        <Field
          label="Expression"
          description="Kong expressions (ATC), e.g. http.response.status_code >= 500"
          invalid={submitted && !!errors.rule}
          error={submitted ? errors.rule : undefined}
        >
          <ExpressionEditor
            api={api}
            value={expression}
            onChange={setExpression}
            onValidation={setValidation}
            externalErrors={submitError?.errors}
          />
        </Field>
      )}
      <Stack direction="row" gap={2}>
        <Field
          label="Duration (seconds)"
          description={`${MIN_DURATION_S} s to 30 min`}
          invalid={!!errors.duration}
          error={errors.duration}
        >
          <Input
            aria-label="Duration (seconds)"
            type="number"
            min={MIN_DURATION_S}
            max={MAX_DURATION_S}
            value={duration}
            onChange={(e) => setDuration(e.currentTarget.value)}
            width={20}
          />
        </Field>
        <Field label="Max traces" invalid={!!errors.maxTraces} error={errors.maxTraces}>
          <Input
            aria-label="Max traces"
            type="number"
            min={1}
            value={maxTraces}
            onChange={(e) => setMaxTraces(e.currentTarget.value)}
            width={20}
          />
        </Field>
        <Field label="Capture logs" description="Kong's log lines of sampled requests">
          <Switch
            aria-label="Capture logs"
            value={captureLogs}
            onChange={(e) => setCaptureLogs(e.currentTarget.checked)}
          />
        </Field>
      </Stack>
      {submitError && (
        <Alert severity="error" title="Could not create the session">
          {submitError.message}
        </Alert>
      )}
      <Stack direction="row" gap={1}>
        <Button type="submit" icon="play" disabled={creating}>
          {creating ? 'Starting…' : 'Start session'}
        </Button>
        <LinkButton variant="secondary" href={ROUTES.sessions}>
          Cancel
        </LinkButton>
      </Stack>
    </form>
  );
}

/** Ids typed by hand are not in the entity list; keep them selectable so they show as chips. */
function withCustom(options: Array<SelectableValue<string>>, selected: string[]): Array<SelectableValue<string>> {
  const known = new Set(options.map((o) => o.value));
  return [...options, ...selected.filter((id) => !known.has(id)).map((id) => ({ value: id, label: id }))];
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: 900, display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
});
