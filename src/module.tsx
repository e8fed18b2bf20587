import React, { Suspense, lazy } from 'react';
import { AppPlugin, type AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { ADDED_LINKS } from './extensions/links';

// The app pages are a lazy chunk: Grafana loads module.js for every app at start-up (nav, extensions), the pages
// only when a user opens /a/kongdbg-debugger-app/...
const LazyApp = lazy(() => import('./components/App/App'));

const App = (props: AppRootProps) => (
  <Suspense fallback={<LoadingPlaceholder text="Loading Kong Debugger…" />}>
    <LazyApp {...props} />
  </Suspense>
);

// The links into the app from alerts, trace views, Explore and panels (src/extensions; declared in plugin.json).
export const plugin = ADDED_LINKS.reduce((app, config) => app.addLink(config), new AppPlugin<{}>().setRootPage(App));
