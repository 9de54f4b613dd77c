import {
  type AnnotationQuery,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  FieldType,
  StreamingFrameAction,
  createDataFrame,
  dateTime,
} from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { EVENT_KINDS, EVENT_KIND_LABELS, WITH_PICTURE, type CameraListItem, type TapoQuery } from '../shared/query';
import { fakeTemplateSrv } from '../test-utils/templateSrv';
import { framesToAnnotations } from './annotations';
import { DataSource, tapoStreamOptions } from './datasource';
import { onHealthChecked } from './healthChecks';
import type { TapoOptions, TapoVariableDataQuery } from './types';
import { TapoVariableSupport } from './variables';

const settings = {
  id: 1,
  uid: 'tapo-uid',
  type: 'camwatch-tapo-datasource',
  name: 'Tapo',
  access: 'proxy',
  jsonData: {},
  meta: {} as DataSourceInstanceSettings['meta'],
  readOnly: false,
} as unknown as DataSourceInstanceSettings<TapoOptions>;

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
  { id: 'garage', name: 'Garage', model: 'C100', status: 'offline', host: '10.0.0.3', ptz: false },
  { id: 'yard', name: 'Yard', model: 'c210', status: 'online', host: '10.0.0.4', ptz: true },
];

function makeDs(cameras: unknown = CAMERAS) {
  const ds = new DataSource(settings);
  const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue(cameras);
  return { ds, getResource };
}

beforeEach(() => {
  setTemplateSrv(
    fakeTemplateSrv([
      { name: 'camera', current: ['front', 'yard'], options: ['front', 'garage', 'yard'] },
      { name: 'all', current: '$__all', options: ['front', 'garage', 'yard'] },
    ])
  );
});

describe('Save & test', () => {
  const health = (status: string, message: string) => {
    const ds = new DataSource(settings);
    jest.spyOn(ds, 'callHealthCheck').mockResolvedValue({ status, message, details: {} } as never);
    return ds;
  };

  it('gives Grafana the verdict as the title and one line per camera in the details', async () => {
    const ds = health(
      'ERROR',
      '1 of 2 cameras not answering: Garage — unreachable.\n✓ Front door: reachable in 42 ms\n✗ Garage: unreachable: timeout\n'
    );
    const heard: string[] = [];
    const off = onHealthChecked((uid) => heard.push(uid));
    const err = await ds.testDatasource().catch((e: unknown) => e);
    off();
    expect(err).toMatchObject({
      status: 'error',
      message: '1 of 2 cameras not answering: Garage — unreachable.',
      details: { verboseMessage: '✓ Front door: reachable in 42 ms\n✗ Garage: unreachable: timeout' },
    });
    // Grafana's newer settings page reads the details from the HealthCheckError.
    expect((err as { error: { details: unknown } }).error.details).toEqual((err as { details: unknown }).details);
    expect(heard).toEqual(['tapo-uid']);
  });

  it('keeps the per-camera list on success too, and a one-line answer as it is', async () => {
    await expect(
      health('OK', 'All 2 cameras answer.\n✓ A: reachable\n✓ B: reachable').testDatasource()
    ).resolves.toEqual({
      status: 'success',
      message: 'All 2 cameras answer.',
      details: { verboseMessage: '✓ A: reachable\n✓ B: reachable' },
    });
    await expect(health('OK', 'All 0 cameras answer.').testDatasource()).resolves.toEqual({
      status: 'success',
      message: 'All 0 cameras answer.',
    });
  });
});

describe('DataSource queries', () => {
  it('interpolates camera variables before the query leaves the browser', () => {
    const { ds } = makeDs();
    expect(ds.applyTemplateVariables({ refId: 'A', queryType: 'status', cameras: ['$camera', 'garage'] }, {})).toEqual({
      refId: 'A',
      queryType: 'status',
      cameras: ['front', 'yard', 'garage'],
    });
    expect(ds.applyTemplateVariables({ refId: 'A', cameras: ['$all'] }, {}).cameras).toEqual([]);
  });

  it('skips hidden queries', () => {
    const { ds } = makeDs();
    expect(ds.filterQuery({ refId: 'A', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A' })).toBe(true);
  });

  it('starts new queries as metrics of online state for every camera, without sharing arrays', () => {
    const { ds } = makeDs();
    const a = ds.getDefaultQuery('dashboard' as never);
    expect(a).toEqual({ queryType: 'metrics', metrics: ['online'], cameras: [] });
    a.metrics!.push('latency_ms');
    expect(ds.getDefaultQuery('dashboard' as never).metrics).toEqual(['online']);
  });
});

describe('camera variables', () => {
  it('lists cameras as text = name, value = id from the cameras resource', async () => {
    const { ds, getResource } = makeDs();
    expect(await ds.metricFindQuery({})).toEqual([
      { text: 'Front door', value: 'front' },
      { text: 'Garage', value: 'garage' },
      { text: 'Yard', value: 'yard' },
    ]);
    expect(getResource).toHaveBeenCalledWith('cameras');
  });

  it('filters by model (case-insensitive) and by status', async () => {
    const { ds } = makeDs();
    expect((await ds.metricFindQuery({ models: ['C210'] })).map((v) => v.value)).toEqual(['front', 'yard']);
    expect((await ds.metricFindQuery({ statuses: ['offline'] })).map((v) => v.value)).toEqual(['garage']);
    expect((await ds.metricFindQuery({ models: ['c210'], statuses: ['offline'] })).map((v) => v.value)).toEqual([]);
  });

  it('treats a legacy string query as no filter, and drops malformed rows', async () => {
    const { ds } = makeDs([...CAMERAS, { id: 3 }, null, { id: 'x', name: 'X', status: 'bogus' }]);
    expect((await ds.metricFindQuery('anything')).length).toBe(3);
  });

  it('says so when the resource is not a list', async () => {
    const { ds } = makeDs({ message: 'nope' });
    await expect(ds.metricFindQuery({})).rejects.toThrow('the cameras resource did not answer with a list');
  });

  it('answers the variable query with a text/value frame', async () => {
    const { ds } = makeDs();
    expect(ds.variables).toBeInstanceOf(TapoVariableSupport);
    const support = ds.variables as TapoVariableSupport;
    const request = {
      targets: [{ refId: 'V', statuses: ['online'] }],
    } as unknown as DataQueryRequest<TapoVariableDataQuery>;
    const response = await lastValueFrom(support.query(request));
    const frame = response.data[0];
    expect(frame.fields.map((f: { name: string }) => f.name)).toEqual(['text', 'value']);
    expect(frame.fields[0].values).toEqual(['Front door', 'Yard']);
    expect(frame.fields[1].values).toEqual(['front', 'yard']);
  });
});

describe('annotations', () => {
  const eventsFrame = createDataFrame({
    refId: 'Anno',
    fields: [
      { name: 'time', type: FieldType.time, values: [3000, 1000, 2000] },
      { name: 'time_end', type: FieldType.time, values: [null, 1500, null] },
      { name: 'camera_id', type: FieldType.string, values: ['front', 'front', 'garage'] },
      { name: 'camera_name', type: FieldType.string, values: ['Front door', 'Front door', 'Garage'] },
      { name: 'kind', type: FieldType.string, values: ['person', 'motion', 'status_offline'] },
      { name: 'text', type: FieldType.string, values: [null, null, 'Garage went offline: timeout'] },
    ],
  });

  it('turns event rows into annotations, regions when they have an end, sorted by time', () => {
    const events = framesToAnnotations([eventsFrame]);
    expect(events).toEqual([
      {
        time: 1000,
        timeEnd: 1500,
        isRegion: true,
        title: 'Front door: Motion',
        text: 'Front door: Motion',
        tags: ['motion', 'Front door'],
      },
      {
        time: 2000,
        title: 'Garage: Went offline',
        text: 'Garage went offline: timeout',
        tags: ['offline', 'Garage'],
        color: 'red',
      },
      {
        time: 3000,
        title: 'Front door: Person detected',
        text: 'Front door: Person detected',
        tags: ['person', 'Front door'],
      },
    ]);
  });

  it('names every detection kind as the editors do, and keeps "with picture" from the event text', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: EVENT_KINDS.map((_k, i) => 1000 + i) },
        { name: 'camera_name', type: FieldType.string, values: EVENT_KINDS.map(() => 'Porch') },
        { name: 'kind', type: FieldType.string, values: [...EVENT_KINDS] },
        {
          name: 'text',
          type: FieldType.string,
          values: EVENT_KINDS.map((k) => `${EVENT_KIND_LABELS[k]} on Porch (${WITH_PICTURE})`),
        },
      ],
    });
    const annotations = framesToAnnotations([frame]);
    expect(annotations.map((a) => a.title)).toEqual(EVENT_KINDS.map((k) => `Porch: ${EVENT_KIND_LABELS[k]}`));
    expect(annotations.map((a) => a.tags?.[0])).toEqual([...EVENT_KINDS]);
    expect(annotations.every((a) => a.text?.endsWith(`(${WITH_PICTURE})`))).toBe(true);
  });

  it('ignores frames without a time field', () => {
    const frame = createDataFrame({ fields: [{ name: 'kind', type: FieldType.string, values: ['motion'] }] });
    expect(framesToAnnotations([frame])).toEqual([]);
  });

  it('prepares stored annotations as events queries with status changes by default', () => {
    const { ds } = makeDs();
    const support = ds.annotations!;
    const legacy = { name: 'Cameras', enable: true, iconColor: 'orange' } as AnnotationQuery<TapoQuery>;
    const prepared = support.prepareAnnotation!(legacy);
    expect(prepared.target).toEqual({
      refId: 'Anno',
      queryType: 'events',
      cameras: [],
      eventKinds: [...EVENT_KINDS],
      statusChanges: true,
    });
    const kept = support.prepareAnnotation!({
      ...legacy,
      target: { refId: 'X', queryType: 'metrics', cameras: ['front'], statusChanges: false },
    });
    expect(kept.target).toMatchObject({ refId: 'X', queryType: 'events', cameras: ['front'], statusChanges: false });
    expect(support.prepareQuery!(kept)).toMatchObject({ queryType: 'events', cameras: ['front'], thumbnails: false });
    expect(support.prepareQuery!({ ...legacy, target: undefined })).toBeUndefined();
  });

  it('processes result frames into events', async () => {
    const { ds } = makeDs();
    const events = await lastValueFrom(ds.annotations!.processEvents!({} as AnnotationQuery<TapoQuery>, [eventsFrame]));
    expect(events?.map((e) => e.tags?.[0])).toEqual(['motion', 'offline', 'person']);
  });
});

describe('live streams', () => {
  const request = {
    maxDataPoints: 300,
    rangeRaw: { from: 'now-1h', to: 'now' },
    range: { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-1h', to: 'now' } },
  } as unknown as DataQueryRequest<TapoQuery>;

  it('keeps one row (replace) on frames channels', () => {
    const frame = createDataFrame({ fields: [], meta: { channel: 'ds/tapo-uid/camera/front/frames/2/640' } });
    expect(tapoStreamOptions(request, frame)).toEqual({ maxLength: 1, action: StreamingFrameAction.Replace });
  });

  it('appends metrics over the dashboard range', () => {
    const frame = createDataFrame({ fields: [], meta: { channel: 'ds/tapo-uid/fleet/metrics' } });
    expect(tapoStreamOptions(request, frame)).toEqual({
      maxLength: 300,
      action: StreamingFrameAction.Append,
      maxDelta: 3_600_000,
    });
  });

  it('is installed on the datasource', () => {
    expect(makeDs().ds.streamOptionsProvider).toBe(tapoStreamOptions);
  });
});
