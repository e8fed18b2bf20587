#!/usr/bin/env node
// `npm run test:grafana-next`: the plugin's jest projects (the src/ tests and the real-browser test of the built
// plugin) once more on the next Grafana line, @grafana/* 13.x with React 19, installed in tests/grafana-next/.
// `npm ci` runs there only when its lockfile changed since the last install (a hash is kept in its node_modules).
// Builds dist/ first (the browser test loads the built plugin) unless given --no-build, as CI does right after
// `npm test` built it. Other arguments go to jest (e.g. a test path, --selectProjects plugin@grafana-next).
// `npm run typecheck:grafana-next` (--typecheck) installs the same way, then typechecks the plugin against those
// packages' types (tests/grafana-next/tsconfig.json) instead.
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, 'tests', 'grafana-next');
const STAMP = path.join(DIR, 'node_modules', '.lockfile-sha256');

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  return r.status ?? 1;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function installedVersion(pkg) {
  return JSON.parse(fs.readFileSync(path.join(DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

const args = process.argv.slice(2);
const typecheck = args.includes('--typecheck');
const build = !args.includes('--no-build');
const jestArgs = args.filter((a) => a !== '--no-build');
const times = [];

let t = Date.now();
const hash = crypto
  .createHash('sha256')
  .update(fs.readFileSync(path.join(DIR, 'package-lock.json')))
  .digest('hex');
if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === hash) {
  console.log('grafana-next: tests/grafana-next/node_modules matches its lockfile, not reinstalled');
} else {
  if (run('npm', ['ci', '--no-audit', '--no-fund'], DIR) !== 0) {
    console.error('grafana-next: npm ci in tests/grafana-next failed');
    process.exit(1);
  }
  fs.writeFileSync(STAMP, hash);
}
times.push(`install ${seconds(t)}`);

if (typecheck) {
  t = Date.now();
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const status = run(process.execPath, [tsc, '-p', path.join(DIR, 'tsconfig.json')], ROOT);
  console.log(
    `grafana-next typecheck (@grafana/* ${installedVersion('@grafana/data')}, @types/react ${installedVersion('@types/react')}): ${status === 0 ? 'ok' : 'FAILED'}, ${seconds(t)}`
  );
  process.exit(status);
}

if (build) {
  t = Date.now();
  if (run('npm', ['run', 'build'], ROOT) !== 0) {
    process.exit(1);
  }
  times.push(`build ${seconds(t)}`);
}

console.log(
  `grafana-next: @grafana/data ${installedVersion('@grafana/data')}, @grafana/ui ${installedVersion('@grafana/ui')}, ` +
    `@grafana/scenes ${installedVersion('@grafana/scenes')}, React ${installedVersion('react')}`
);
t = Date.now();
const status = run(
  process.execPath,
  [require.resolve('jest/bin/jest', { paths: [ROOT] }), '-c', path.join(DIR, 'jest.config.js'), ...jestArgs],
  ROOT
);
times.push(`tests ${seconds(t)}`);
console.log(`grafana-next took: ${times.join(', ')}`);
process.exit(status);
