import { defineConfig } from 'eslint/config';
import baseConfig from './.config/eslint.config.mjs';

// Lints the Grafana plugin (src/); the server has its own typecheck and tests.
export default defineConfig([
  {
    ignores: ['**/node_modules/', '**/dist/', '**/coverage/', '**/.eslintcache', 'server/', 'common/', 'bin/', 'scripts/', 'tests/', '.config/'],
  },
  ...baseConfig,
]);
