import { plugin } from './module';
import { ADDED_LINKS } from './extensions/links';

describe('the app plugin', () => {
  it('registers every door with Grafana (what plugin.json declares)', () => {
    expect(plugin.addedLinkConfigs.map((l) => l.title)).toEqual(ADDED_LINKS.map((l) => l.title));
  });
});
