// One jest run for everything: the server and the shared code (node), and the Grafana plugin (jsdom).
// Force UTC so date formatting in plugin tests does not depend on the machine's zone (create-plugin does the same).
process.env.TZ = 'UTC';

const swcTransform = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const grafanaJest = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
// ESM-only packages to transform: create-plugin's list, plus two that @grafana/data 13 pulls in (create-plugin's own
// migration adds the same two); the grafana-next run (tests/grafana-next) reuses this project as it is.
const pluginESModules = [...grafanaESModules, '@react-hookz/web', '@ver0/deep-equal'];

const projects = [
  {
    displayName: 'server',
    testEnvironment: 'node',
    roots: ['<rootDir>/server', '<rootDir>/common'],
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': swcTransform },
  },
  {
    // create-plugin's config (jsdom, jest-dom setup, ESM deps transformed), plus: .mjs files must be transformed
    // too (d3-color >= 3.1.1 ships dist/*.mjs, pulled in by @grafana/data).
    ...grafanaJest,
    displayName: 'plugin',
    testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
    transform: { ...grafanaJest.transform, '^.+\\.mjs$': ['@swc/jest'] },
    transformIgnorePatterns: [nodeModulesToTransform(pluginESModules)],
    // jsdom resolves `yaml` to its browser ESM build; tests that read YAML files want the CommonJS one.
    moduleNameMapper: { ...grafanaJest.moduleNameMapper, '^yaml$': '<rootDir>/node_modules/yaml/dist/index.js' },
  },
  {
    // The soak test's short version (about 75 s; `npm run soak` runs the full one): the real server in a child process.
    displayName: 'soak',
    testEnvironment: 'node',
    roots: ['<rootDir>/tests/soak'],
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': swcTransform },
  },
  {
    // The built plugin in a real browser (Debian chromium + playwright-core) against a live backend; see tests/browser/.
    displayName: 'browser',
    testEnvironment: 'node',
    roots: ['<rootDir>/tests/browser'],
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': swcTransform },
  },
];

module.exports = {
  projects,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
