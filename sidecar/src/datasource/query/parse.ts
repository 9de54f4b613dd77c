/** Validates a DataQuery's JSON into a TapoQuery, with messages that say what is wrong. */
import { z } from 'zod';
import {
  EVENT_KINDS,
  LIVE_KINDS,
  METRICS,
  VIDEO_STREAMS,
  QUERY_TYPES,
  CAMERA_STATUSES,
  RECORDINGS_FORMATS,
  SENSOR_KINDS,
  type TapoQuery,
} from '../../../../src/shared/query.ts';
import type { DataQuery } from '../../grafana/protocol.ts';

const querySchema = z.object({
  refId: z.string().optional(),
  queryType: z.enum(QUERY_TYPES).optional(),
  hide: z.boolean().optional(),
  cameras: z.array(z.string()).optional(),
  metrics: z.array(z.enum(METRICS)).optional(),
  minMax: z.boolean().optional(),
  eventKinds: z.array(z.enum(EVENT_KINDS)).optional(),
  statusChanges: z.boolean().optional(),
  thumbnails: z.boolean().optional(),
  statuses: z.array(z.enum(CAMERA_STATUSES)).optional(),
  sensorKinds: z.array(z.enum(SENSOR_KINDS)).optional(),
  live: z
    .object({
      kind: z.enum(LIVE_KINDS),
      fps: z.number().positive().optional(),
      width: z.number().int().positive().optional(),
      stream: z.enum(VIDEO_STREAMS).optional(),
    })
    .optional(),
  recordings: z.object({ format: z.enum(RECORDINGS_FORMATS).optional() }).optional(),
});

export class QueryError extends Error {
  constructor(
    message: string,
    readonly status = 400
  ) {
    super(message);
  }
}

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : 'query';
  return `${path}: ${issue.message}`;
}

export function parseQuery(q: DataQuery): TapoQuery {
  let raw: unknown = {};
  const text = q.json?.length ? q.json.toString('utf8') : '{}';
  try {
    raw = JSON.parse(text);
  } catch {
    throw new QueryError(`query ${q.refId}: the query JSON is malformed`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new QueryError(`query ${q.refId}: the query JSON must be an object`);
  }
  // DataQuery.queryType wins when set (Grafana fills both from the same model).
  const withType = q.queryType ? { ...raw, queryType: q.queryType } : raw;
  const parsed = querySchema.safeParse(withType);
  if (!parsed.success) {
    throw new QueryError(`query ${q.refId}: ${parsed.error.issues.map(describe).join('; ')}`);
  }
  return { ...parsed.data, refId: q.refId, queryType: parsed.data.queryType ?? 'metrics' };
}
