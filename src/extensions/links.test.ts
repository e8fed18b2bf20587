import pluginJson from '../plugin.json';
import { ADDED_LINKS } from './links';

const APP_ID = pluginJson.id;

describe('extension links and their plugin.json declarations', () => {
  const declared = pluginJson.extensions.addedLinks;

  it('declares every link with the same title, targets and description (Grafana refuses undeclared links)', () => {
    expect(declared.map((d) => ({ title: d.title, targets: d.targets, description: d.description }))).toEqual(
      ADDED_LINKS.map((l) => ({ title: l.title, targets: l.targets, description: l.description }))
    );
  });

  it('titles are at least 10 characters and unique (Grafana matches declarations by title)', () => {
    for (const l of ADDED_LINKS) {
      expect(l.title.length).toBeGreaterThanOrEqual(10);
    }
    expect(new Set(ADDED_LINKS.map((l) => l.title)).size).toBe(ADDED_LINKS.length);
  });

  it("keeps every path under the app's own /a/<id>/", () => {
    for (const l of ADDED_LINKS) {
      expect(l.path?.startsWith(`/a/${APP_ID}/`)).toBe(true);
    }
  });

  it('covers the doors of the issue', () => {
    const targets = new Set(ADDED_LINKS.flatMap((l) => (Array.isArray(l.targets) ? l.targets : [l.targets])));
    expect([...targets].sort()).toEqual(
      [
        'grafana/alerting/instance/action',
        'grafana/dashboard/panel/menu',
        'grafana/explore/toolbar/action',
        'grafana/traceview/header/actions',
        'grafana/traceview/resource-attributes',
      ].sort()
    );
  });

  it("configure() never points outside the app and hides itself on foreign contexts", () => {
    const foreign = { targets: [{ refId: 'A', datasource: { type: 'loki' } }], instance: { labels: {} }, spans: [], attributes: {} };
    for (const l of ADDED_LINKS) {
      expect(l.configure?.(foreign as never)).toBeUndefined();
    }
  });
});
