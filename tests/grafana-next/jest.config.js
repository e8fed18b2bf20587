// The plugin's jest projects (src/ tests in jsdom, the real-browser test) once more, on the next Grafana line:
// @grafana/* 13.x, @grafana/scenes and React 19 from this folder's node_modules (see package.json; installed by
// `npm run test:grafana-next`). The server, shared-code and soak projects do not touch Grafana and run once, in `npm test`.
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
// The browser test's harness builds its Grafana host from these modules (tests/browser/harness.ts) and saves its
// screenshots here rather than over the README's.
process.env.HARNESS_MODULES_DIR = __dirname;
process.env.SCREENSHOTS_DIR = path.join(__dirname, 'screenshots');

const { projects } = require(path.join(ROOT, 'jest.config.js'));
const PLUGIN_PROJECTS = ['plugin', 'browser'];

module.exports = {
  rootDir: ROOT,
  projects: PLUGIN_PROJECTS.map((name) => {
    const project = projects.find((p) => p.displayName === name);
    if (!project) {
      throw new Error(`jest.config.js has no '${name}' project any more; update tests/grafana-next/jest.config.js`);
    }
    return {
      ...project,
      rootDir: ROOT,
      displayName: `${name}@grafana-next`,
      resolver: path.join(__dirname, 'resolver.js'),
    };
  }),
  reporters: ['default', path.join(ROOT, 'scripts', 'jest-summary-reporter.js')],
};
