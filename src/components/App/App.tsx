import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { NewSessionPage } from '../../pages/NewSessionPage';
import { SessionDetailPage } from '../../pages/SessionDetailPage';
import { SessionsPage } from '../../pages/SessionsPage';

/** App routes, relative to /a/kongdbg-debugger-app/ (Grafana mounts the root page there). */
function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path="sessions/new" element={<NewSessionPage />} />
      <Route path="sessions/:id" element={<SessionDetailPage />} />
      <Route path="*" element={<SessionsPage />} />
    </Routes>
  );
}

export default App;
