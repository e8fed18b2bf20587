// What Grafana's plugin validator (grafana/plugin-validator analyzers) checks in our plugin.json files and archive,
// where it can be checked from the sources: discoverability, logos and paths, nested includes, Grafana dependency,
// license, changelog and a README per plugin.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');

interface PluginJson {
  type: string;
  id: string;
  name: string;
  info: {
    description?: string;
    keywords?: string[];
    author?: { name?: string; url?: string };
    logos?: { small?: string; large?: string };
    screenshots?: Array<{ name: string; path: string }>;
    links?: Array<{ name: string; url: string }>;
    version?: string;
  };
  includes?: Array<{ type: string; path?: string }>;
  dependencies?: { grafanaDependency?: string };
}

function pluginJsons(dir = SRC): Array<{ file: string; json: PluginJson }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      return pluginJsons(full);
    }
    return e.name === 'plugin.json' ? [{ file: path.relative(SRC, full), json: JSON.parse(fs.readFileSync(full, 'utf8')) as PluginJson }] : [];
  });
}

const plugins = pluginJsons();

describe.each(plugins.map((p) => [p.file, p] as const))('%s', (_file, { file, json }) => {
  const dir = path.join(SRC, path.dirname(file));

  it('is discoverable: a description and keywords (validator "discoverability")', () => {
    expect(json.info.description?.trim().length).toBeGreaterThan(20);
    expect(json.info.keywords?.length).toBeGreaterThan(0);
  });

  it('has small and large logos that exist (validator "logos", "metadatapaths")', () => {
    for (const logo of [json.info.logos?.small, json.info.logos?.large]) {
      expect(logo).toBeTruthy();
      expect(fs.existsSync(path.join(dir, logo!))).toBe(true);
    }
    for (const shot of json.info.screenshots ?? []) {
      expect(fs.existsSync(path.join(dir, shot.path))).toBe(true);
    }
  });

  it('takes its version from package.json at build and names its author', () => {
    expect(json.info.version).toBe('%VERSION%');
    expect(json.info.author?.name).toBeTruthy();
  });

  it('states a valid Grafana dependency, the versions CI runs (validator "grafanadependency")', () => {
    expect(json.dependencies?.grafanaDependency).toBe('>=12.4.0');
  });

  it('has its own README, which the catalogue shows (validator "readme", "templatereadme")', () => {
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme.startsWith(`# ${json.name}`)).toBe(true);
    // create-plugin's template text is refused
    expect(readme).not.toMatch(/This template is a starting point|Grafana plugin template/i);
  });

  it('links only over https (validator "safelinks")', () => {
    for (const link of json.info.links ?? []) {
      expect(link.url).toMatch(/^https:\/\//);
    }
  });
});

describe('the app', () => {
  const app = plugins.find((p) => p.json.type === 'app')!;

  it('declares every nested plugin by path with its type (validator "includesnested")', () => {
    const nested = plugins.filter((p) => p !== app);
    const includes = (app.json.includes ?? []).filter((i) => i.type === 'datasource' || i.type === 'panel');
    expect(nested.map((n) => [n.file, n.json.type]).sort()).toEqual(includes.map((i) => [i.path, i.type]).sort());
  });

  it('ships LICENSE (Apache-2.0, as package.json says; validator "license") and CHANGELOG.md (validator "changelog")', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}\\b`, 'm'));
  });

  it('copies LICENSE, CHANGELOG.md and the nested READMEs into the archive (webpack copy patterns)', () => {
    const config = fs.readFileSync(path.join(ROOT, 'webpack.config.ts'), 'utf8');
    expect(config).toMatch(/REQUIRED = new Set\(\['\.\.\/LICENSE', '\.\.\/CHANGELOG\.md'\]\)/);
    expect(config).toContain("{ from: '{datasource,panels/*}/README.md', to: '.' }");
  });
});
