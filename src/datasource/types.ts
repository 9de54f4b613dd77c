/**
 * Frontend-only types of the datasource (Grafana's jsonData and secureJsonData wrappers); the query and settings
 * model itself is in src/shared/query.ts.
 */
import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

import { HISTORY_DEFAULT_RETENTION_HOURS, type TapoDataSourceOptions, type TapoVariableQuery } from '../shared/query';

/** secureJsonData: `password.<cameraId>` (cloud password, local API) and `cameraPassword.<cameraId>` (camera account). */
export type TapoSecureJsonData = Record<string, string>;

/** The variable query as Grafana stores it (CustomVariableSupport wants a DataQuery). */
export type TapoVariableDataQuery = TapoVariableQuery & DataQuery;

/** Defaults the config editor shows and the sidecar applies when a field is empty. */
export const SETTINGS_DEFAULTS = {
  connection: 'managed',
  retentionHours: HISTORY_DEFAULT_RETENTION_HOURS,
  defaultPollIntervalSeconds: 30,
  username: 'admin',
  stream: 'stream2',
  onvifPort: 2020,
} as const;

/** The shared settings model as Grafana types jsonData (the shared file has no Grafana imports). */
export type TapoOptions = TapoDataSourceOptions & DataSourceJsonData;
