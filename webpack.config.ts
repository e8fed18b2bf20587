// Extends create-plugin's webpack config (.config/ stays untouched so `create-plugin update` keeps working).
// Why: nested plugins' logos (src/datasource/img, src/panels/*/img) and READMEs (Grafana's catalogue shows each
// plugin's README) are not copied by the stock config. LICENSE and CHANGELOG.md stay required, as the stock patterns
// have them (the plugin validator checks both are in the archive); other stock patterns may match nothing.
import path from 'node:path';
import type { Configuration } from 'webpack';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';
import { copyFilePatterns } from './.config/bundler/copyFiles';

/** Files the archive must carry: the build fails without them. */
const REQUIRED = new Set(['../LICENSE', '../CHANGELOG.md']);

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  const plugins = (base.plugins ?? []).map((plugin) => {
    if (!(plugin instanceof CopyWebpackPlugin)) {
      return plugin;
    }
    // CopyWebpackPlugin keeps its options private; rebuild it from the same list, tolerant of missing files.
    return new CopyWebpackPlugin({
      patterns: [
        ...copyFilePatterns.map((p) => (REQUIRED.has(p.from) ? p : { ...p, noErrorOnMissing: true })),
        { from: '**/img/**/*', to: '.', noErrorOnMissing: true },
        { from: '{datasource,panels/*}/README.md', to: '.' },
      ],
    });
  });
  // The build cache lives in the checkout, not in node_modules/.cache: checkouts that share one node_modules (git
  // worktrees) would otherwise share one cache, and a build could ship another checkout's copied plugin.json.
  const cache = base.cache && typeof base.cache === 'object' && base.cache.type === 'filesystem'
    ? { ...base.cache, cacheDirectory: path.resolve(process.cwd(), '.cache', 'webpack') }
    : base.cache;
  return { ...base, cache, plugins };
};

export default config;
