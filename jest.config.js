// One jest run for everything: the server and the shared code (node), and the Grafana plugin (jsdom).
const swcTransform = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

const projects = [
  {
    displayName: 'server',
    testEnvironment: 'node',
    roots: ['<rootDir>/server', '<rootDir>/common'],
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': swcTransform },
  },
];

module.exports = {
  projects,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
