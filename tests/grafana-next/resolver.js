// Jest resolver of the grafana-next run: our own code (src/, tests/, the jest setup files) resolves its packages
// from this folder first, so the plugin runs on @grafana/* 13.x with React 19; a package's own imports resolve as
// usual from where it is installed. Falls back to the repository's node_modules for what only the tooling has
// (playwright-core, esbuild, ...). Refuses to hand our code the pinned React or @grafana/* copies: a silent fallback
// would run the suites on 12.4 / React 18 again and pass for the wrong reason.
const fs = require('fs');
const path = require('path');

const NEXT = __dirname;
// Real paths, as the resolver returns them (the repository's node_modules may be a symlink).
const NEXT_NODE_MODULES = fs.realpathSync(path.join(NEXT, 'node_modules'));
const ROOT_NODE_MODULES = fs.realpathSync(path.join(NEXT, '..', '..', 'node_modules'));
const MUST_COME_FROM_NEXT = /^(react|react-dom|react-router|react-router-dom|@grafana\/[^/]+)$/;

function packageName(request) {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBare(request) {
  return !request.startsWith('.') && !path.isAbsolute(request);
}

module.exports = (request, options) => {
  const fromOurCode = !options.basedir.split(path.sep).includes('node_modules');
  if (isBare(request) && fromOurCode) {
    try {
      return options.defaultResolver(request, { ...options, basedir: NEXT });
    } catch (e) {
      if (MUST_COME_FROM_NEXT.test(packageName(request))) {
        throw e;
      }
    }
  }
  const resolved = options.defaultResolver(request, options);
  if (resolved.startsWith(ROOT_NODE_MODULES + path.sep) && !resolved.startsWith(NEXT_NODE_MODULES + path.sep)) {
    const name = packageName(path.relative(ROOT_NODE_MODULES, resolved).split(path.sep).join('/'));
    if (MUST_COME_FROM_NEXT.test(name)) {
      throw new Error(`grafana-next: ${request} (from ${options.basedir}) resolved to the pinned copy ${resolved}`);
    }
  }
  return resolved;
};
