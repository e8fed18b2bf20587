import React, { useMemo } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert } from '@grafana/ui';
import { buildApp } from '../../pages/scenes/app';
import { NO_DATASOURCE, findDataSource } from '../../pages/scenes/dataSource';

/** The app's pages are a SceneApp over the first Kong Debugger data source (routes: pages/scenes/app.ts). */
function App(_props: AppRootProps) {
  const ds = findDataSource();
  const app = useMemo(() => (ds ? buildApp(ds) : undefined), [ds?.uid]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!app) {
    return (
      <PluginPage>
        <Alert severity="error" title="Kong Debugger is not available">
          {NO_DATASOURCE}
        </Alert>
      </PluginPage>
    );
  }
  return (
    <Routes>
      {/* The app's root (its nav entry) is the Sessions page. */}
      <Route index element={<Navigate to="sessions" replace />} />
      <Route path="*" element={<app.Component model={app} />} />
    </Routes>
  );
}

export default App;
