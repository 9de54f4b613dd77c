/**
 * Entry point of the nested datasource plugin: registers the datasource with its config, query, variable and
 * annotation editors.
 */
import { DataSourcePlugin } from '@grafana/data';

import type { TapoQuery } from '../shared/query';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import type { TapoSecureJsonData, TapoOptions } from './types';

export const plugin = new DataSourcePlugin<DataSource, TapoQuery, TapoOptions, TapoSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
