/**
 * Sensors query: a table, one row per sensor behind a hub (temperature and humidity, contact,
 * motion, leak, battery, signal as last read from the hub's list). Time series of the same
 * readings come from the metrics query (temperature_c, humidity_pct, contact_open, ...).
 */
import { SENSOR_FIELDS as F, SENSOR_KIND_LABELS, type TapoQuery } from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import type { CameraSnapshot } from '../../model.ts';
import { alertTable, selectCameras, type QueryContext } from './context.ts';

export async function sensorsQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  const kinds = query.sensorKinds?.length ? new Set(query.sensorKinds) : null;
  const sensors = selectCameras(ctx.fleet, query).filter((c) => c.sensor && (!kinds || kinds.has(c.sensor)));
  if (ctx.fromAlert) {
    // Alerting reads one numeric column: each sensor's temperature (those that measure one), e.g. "below 5 °C".
    const hot = sensors.filter((c) => typeof c.last?.temperatureC === 'number');
    return [
      alertTable(
        'sensors',
        query.refId,
        hot,
        F.temperature,
        hot.map((c) => c.last!.temperatureC!)
      ),
    ];
  }
  const col = <T>(f: (c: CameraSnapshot) => T) => sensors.map(f);
  const num = (
    name: string,
    displayName: string,
    f: (c: CameraSnapshot) => number | null | undefined,
    unit?: string
  ) => ({
    name,
    type: 'number' as const,
    values: col((c) => f(c) ?? null),
    nullable: true,
    config: { displayName, ...(unit ? { unit } : {}) },
  });
  const flag = (name: string, displayName: string, f: (c: CameraSnapshot) => boolean | null | undefined) => ({
    name,
    type: 'boolean' as const,
    values: col((c) => f(c) ?? null),
    nullable: true,
    config: { displayName },
  });
  return [
    {
      name: 'sensors',
      refId: query.refId,
      meta: { type: 'table' },
      fields: [
        { name: F.id, type: 'string', values: col((c) => c.id), config: { displayName: 'Sensor ID' } },
        { name: F.name, type: 'string', values: col((c) => c.name), config: { displayName: 'Sensor' } },
        {
          name: F.kind,
          type: 'string',
          values: col((c) => (c.sensor ? SENSOR_KIND_LABELS[c.sensor] : null)),
          config: { displayName: 'Kind' },
        },
        {
          name: F.model,
          type: 'string',
          values: col((c) => c.last?.model ?? null),
          nullable: true,
          config: { displayName: 'Model' },
        },
        {
          name: F.status,
          type: 'string',
          values: col((c) => c.last?.status ?? 'unknown'),
          config: { displayName: 'Status' },
        },
        num(F.temperature, 'Temperature', (c) => c.last?.temperatureC, 'celsius'),
        num(F.humidity, 'Humidity', (c) => c.last?.humidityPct, 'humidity'),
        flag(F.contactOpen, 'Open', (c) => c.last?.contactOpen),
        flag(F.motion, 'Motion', (c) => c.last?.motionDetected),
        flag(F.waterLeak, 'Water leak', (c) => c.last?.waterLeak),
        num(F.batteryPct, 'Battery', (c) => c.last?.batteryPercent, 'percent'),
        flag(F.batteryLow, 'Battery low', (c) => c.last?.batteryLow),
        num(F.rssi, 'Signal', (c) => c.last?.rssiDbm, 'dBm'),
        {
          name: F.lastSeen,
          type: 'time',
          values: col((c) => c.lastSeen),
          nullable: true,
          config: { displayName: 'Last seen' },
        },
      ],
    },
  ];
}
