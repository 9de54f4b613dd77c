/**
 * Variable support: the camera list from the sidecar as variable values (name as text, id as value), filtered as
 * the variable query says.
 */
import {
  CustomVariableSupport,
  type DataQueryRequest,
  type DataQueryResponse,
  FieldType,
  type MetricFindValue,
  createDataFrame,
} from '@grafana/data';
import { type Observable, from, map } from 'rxjs';

import type { CameraListItem, TapoQuery, TapoVariableQuery } from '../shared/query';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import type { TapoVariableDataQuery, TapoOptions } from './types';

/** Cameras matching the variable's filters, as text = name, value = id. */
export function camerasToVariableValues(
  cameras: CameraListItem[],
  query: TapoVariableQuery | undefined
): MetricFindValue[] {
  const models = (query?.models ?? []).map((m) => m.toLowerCase());
  const statuses = query?.statuses ?? [];
  return (
    cameras
      // Camera variables feed pictures and camera dashboards: sensors behind a hub have neither.
      .filter((c) => !c.sensor)
      .filter((c) => models.length === 0 || (c.model !== null && models.includes(c.model.toLowerCase())))
      .filter((c) => statuses.length === 0 || statuses.includes(c.status))
      .map((c) => ({ text: c.name, value: c.id }))
  );
}

export class TapoVariableSupport extends CustomVariableSupport<
  DataSource,
  TapoVariableDataQuery,
  TapoQuery,
  TapoOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<TapoVariableDataQuery>): Observable<DataQueryResponse> {
    const query = request.targets[0];
    return from(this.datasource.metricFindQuery(query)).pipe(
      map((values) => ({
        data: [
          createDataFrame({
            refId: query?.refId,
            fields: [
              { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
              { name: 'value', type: FieldType.string, values: values.map((v) => String(v.value)) },
            ],
          }),
        ],
      }))
    );
  }
}
