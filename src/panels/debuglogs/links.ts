/**
 * Links of one log line to its trace and span. Prefers the links Grafana already resolved on the
 * frame's fields (`field.getLinks`, set by the dashboard's field-config pipeline); otherwise maps the
 * data source's internal link config to an Explore URL with Grafana's own `mapInternalLinkToExplore`.
 */
import { DataLink, Field, InterpolateFunction, ScopedVars, TimeRange, mapInternalLinkToExplore } from '@grafana/data';
import { linkRange } from '../../datasource/frames/links';
import { RowLink } from './LogsView';
import { LogRow, LogsModel } from './model';

function fieldLinks(
  model: LogsModel,
  field: Field | undefined,
  row: LogRow,
  raw: string,
  replaceVariables: InterpolateFunction,
  range?: TimeRange
): RowLink[] {
  if (!field || !raw) {
    return [];
  }
  if (field.getLinks) {
    return field
      .getLinks({ valueRowIndex: row.index })
      .map((l) => ({ title: l.title, href: l.href, onClick: l.onClick }));
  }
  const links: DataLink[] = field.config.links ?? [];
  // `${__value.raw}` and `${__data.fields.<name>}` are resolved here so they work with any replaceVariables
  // (also outside dashboards, where Grafana's template service is not there to do it).
  const cell = (name: string) => {
    const f = model.frame.fields.find((x) => x.name === name);
    return f ? String(f.values[row.index] ?? '') : '';
  };
  const interpolate: InterpolateFunction = (value, scopedVars?: ScopedVars, format?) =>
    replaceVariables(
      String(value ?? '')
        .replace(/\$\{__value\.raw\}/g, raw)
        .replace(/\$\{__data\.fields\.([\w.-]+)\}/g, (_, name: string) => cell(name)),
      scopedVars,
      format
    );
  const scopedVars: ScopedVars = { __value: { text: 'Value', value: { raw, text: raw } } } as ScopedVars;
  return links.map((link) => {
    if (link.internal) {
      // Absolute, around this line's time (its trace ran then), never the dashboard's relative range: the link
      // opens the same trace whenever it is followed (grafana#124821). The frame's own range is the fallback.
      const m = mapInternalLinkToExplore({
        link,
        internalLink: link.internal,
        scopedVars,
        range: linkRange([row.timeMs]) ?? link.internal.range ?? range,
        field,
        replaceVariables: interpolate,
      });
      return { title: m.title || link.title, href: m.href };
    }
    return { title: link.title, href: interpolate(link.url, scopedVars) };
  });
}

export function rowLinks(
  model: LogsModel,
  row: LogRow,
  replaceVariables: InterpolateFunction,
  range?: TimeRange
): RowLink[] {
  const out = [
    ...fieldLinks(model, model.traceField, row, row.traceId, replaceVariables, range),
    ...fieldLinks(model, model.spanField, row, row.spanId, replaceVariables, range),
  ];
  // Unique titles (the view keys links by title).
  const seen = new Set<string>();
  return out.filter((l) => l.href && !seen.has(l.title) && seen.add(l.title));
}
