import { FieldType, mapInternalLinkToExplore, type Field } from '@grafana/data';
import { absoluteRange, internalLink, LINK_MARGIN_MS, linkRange } from './links';

const ds = { uid: 'kdbg', name: 'Kong Debugger' };

describe('link ranges', () => {
  it('span the given times with a margin, in fixed times', () => {
    const r = linkRange([1_765_000_010_000.4, 1_765_000_000_000.7, NaN])!;
    expect(r.from.valueOf()).toBe(1_765_000_000_000 - LINK_MARGIN_MS);
    expect(r.to.valueOf()).toBe(1_765_000_010_001 + LINK_MARGIN_MS);
    expect(r.raw.from.valueOf()).toBe(r.from.valueOf());
    expect(typeof r.raw.to).not.toBe('string');
    expect(linkRange([])).toBeUndefined();
  });

  it('reach the Explore URL Grafana builds from the link, with the trace and span ids', () => {
    const range = absoluteRange(1_765_000_000_000, 1_765_000_120_000);
    const link = internalLink(ds, 'View span', { queryType: 'trace', traceId: '${__value.raw}' }, { range, panelsState: { trace: { spanId: '00f067aa0ba902b7' } } });
    const field: Field = { name: 'traceID', type: FieldType.string, config: { links: [link] }, values: ['4bf92f3577b34da6a3ce929d0e0e4736'] };
    // as Grafana's panels do (getLinksSupplier passes link.internal.range)
    const model = mapInternalLinkToExplore({
      link,
      internalLink: link.internal!,
      scopedVars: {},
      range: link.internal!.range!,
      field,
      replaceVariables: (v: string) => v.replace('${__value.raw}', '4bf92f3577b34da6a3ce929d0e0e4736'),
    });
    const href = decodeURIComponent(model.href);
    expect(href).toContain('"range":{"from":"1765000000000","to":"1765000120000"}');
    expect(href).toContain('"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"');
    expect(href).toContain('"spanId":"00f067aa0ba902b7"');
  });
});
