import { DataSourcePlugin } from '@grafana/data';
import { KongDebuggerDataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import type { KongDebuggerOptions, KongDebuggerQuery, KongDebuggerSecureOptions } from './types';

export const plugin = new DataSourcePlugin<
  KongDebuggerDataSource,
  KongDebuggerQuery,
  KongDebuggerOptions,
  KongDebuggerSecureOptions
>(KongDebuggerDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
