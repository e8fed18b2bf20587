/**
 * Links the trace view's panels get (options of Grafana's traces panel, field links of the logs panel), all
 * pointing into the app: a span's logs, a focused span, a log line's span.
 */
import { FieldType, type DataFrame, type DataLink, type Field, type LinkModel } from '@grafana/data';
import { BASE_URL, ROUTES } from '../constants';

/** Grafana's `SpanLinkDef` (public/app/features/explore/TraceView/components/types/links.ts); only core ships it. */
export interface SpanLinkDef {
  href: string;
  onClick?: (event: unknown) => void;
  content: string;
  title?: string;
  field: Field;
  type: 'log' | 'trace' | 'metric' | 'profile' | 'unknown';
}

const linkField = (name: string): Field => ({ name, type: FieldType.string, config: {}, values: [] });

/** `createSpanLink`: every span links to the Logs tab filtered to it. */
export function spanLogsLinks(session: string | undefined) {
  return (span: { traceID: string; spanID: string }): SpanLinkDef[] => [
    {
      href: ROUTES.trace(span.traceID, 'logs', { session, span: span.spanID }),
      content: 'Logs for this span',
      title: 'Logs for this span',
      field: linkField('spanID'),
      type: 'log',
    },
  ];
}

/** `createFocusSpanLink`: a span link (e.g. a parent/child reference) focuses it here and puts it in the URL. */
export function focusSpanLink(session: string | undefined, onFocus: (spanId: string) => void) {
  return (traceId: string, spanId: string): LinkModel<Field> => ({
    href: ROUTES.trace(traceId, 'spans', { session, span: spanId }),
    title: 'Focus span',
    target: '_self',
    origin: linkField('spanID'),
    onClick: (e?: { preventDefault?: () => void }) => {
      e?.preventDefault?.();
      onFocus(spanId);
    },
  });
}

/** The logs frame's span (and trace) links replaced by links to the span in the app's Spans tab. */
export function withAppSpanLinks(frames: DataFrame[], session: string | undefined): DataFrame[] {
  const sessionParam = session ? `session=${encodeURIComponent(session)}&` : '';
  const spanLink: DataLink = {
    title: 'Open span',
    // Grafana interpolates ${__data.fields.traceID} and ${__value.raw} per line, so they stay unencoded.
    url: `${BASE_URL}/trace/\${__data.fields.traceID}/spans?${sessionParam}span=\${__value.raw}`,
  };
  const traceLink: DataLink = { title: 'Open trace', url: `${BASE_URL}/trace/\${__value.raw}${session ? `?session=${encodeURIComponent(session)}` : ''}` };
  return frames.map((frame) =>
    frame.name !== 'logs'
      ? frame
      : {
          ...frame,
          fields: frame.fields.map((f) =>
            f.name === 'spanID'
              ? { ...f, config: { ...f.config, links: [spanLink] } }
              : f.name === 'traceID'
                ? { ...f, config: { ...f.config, links: [traceLink] } }
                : f
          ),
        }
  );
}
