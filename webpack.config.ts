// Extends create-plugin's webpack config (.config/ stays untouched so `create-plugin update` keeps working).
// Why: (1) nested plugins' logos (src/datasource/img, src/panels/*/img) are not copied by the stock config;
// (2) the stock copy patterns require LICENSE/CHANGELOG.md beside package.json, which this repo keeps optional.
import type { Configuration } from 'webpack';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';
import { copyFilePatterns } from './.config/bundler/copyFiles';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  const plugins = (base.plugins ?? []).map((plugin) => {
    if (!(plugin instanceof CopyWebpackPlugin)) {
      return plugin;
    }
    // CopyWebpackPlugin keeps its options private; rebuild it from the same list, tolerant of missing files.
    return new CopyWebpackPlugin({
      patterns: [
        ...copyFilePatterns.map((p) => ({ ...p, noErrorOnMissing: true })),
        { from: '**/img/**/*', to: '.', noErrorOnMissing: true },
      ],
    });
  });
  return { ...base, plugins };
};

export default config;
