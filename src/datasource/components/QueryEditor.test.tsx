import { setTemplateSrv } from '@grafana/runtime';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';

import type { CameraListItem, TapoQuery } from '../../shared/query';
import { domSkeleton, renderQueryEditor } from '../../test-utils/queryEditorHarness';
import { fakeTemplateSrv } from '../../test-utils/templateSrv';
import { QueryEditor } from './QueryEditor';

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
  { id: 'garage', name: 'Garage', model: 'C100', status: 'offline', host: '10.0.0.3', ptz: false },
];

function setup(initial: TapoQuery, listCameras = jest.fn().mockResolvedValue(CAMERAS)) {
  return renderQueryEditor(QueryEditor, initial, listCameras);
}

/** A live pictures query at the defaults. */
const setupLive = () => setup({ refId: 'A', queryType: 'live', live: { kind: 'frames', fps: 2, width: 640 } });

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv([{ name: 'camera', current: ['front'], options: ['front', 'garage'] }]));
});

describe('QueryEditor', () => {
  it('picks cameras from the cameras resource and runs the query', async () => {
    const { user, last, onRunQuery } = await setup({ refId: 'A', queryType: 'status' });
    const input = screen.getByLabelText('Cameras');
    await user.click(input);
    await user.click(await screen.findByText('Garage'));
    expect(last().cameras).toEqual(['garage']);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('offers dashboard variables next to cameras', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'status', cameras: ['front'] });
    // The stored id is shown by its camera name once the list has loaded.
    expect(await screen.findByText('Front door')).toBeInTheDocument();
    await user.click(screen.getByLabelText('Cameras'));
    await user.click(await screen.findByText('$camera'));
    expect(last().cameras).toEqual(['front', '$camera']);
  });

  it('says when the camera list cannot be loaded', async () => {
    await setup({ refId: 'A' }, jest.fn().mockRejectedValue({ data: { message: 'sidecar not running' } }));
    expect(await screen.findByText('Could not load cameras: sidecar not running')).toBeInTheDocument();
  });

  it('switches query type and fills what the type needs', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'status' });
    await user.click(screen.getByRole('radio', { name: 'Metrics' }));
    expect(last()).toMatchObject({ queryType: 'metrics', metrics: ['online'] });
    await user.click(screen.getByRole('radio', { name: 'Live' }));
    // Video by default, with how pictures are made where it cannot play.
    expect(last()).toMatchObject({ queryType: 'live', live: { kind: 'video', stream: 'sub', fps: 2, width: 640 } });
  });

  it('offers recordings as clips or a timeline, and drops them on a switch to another type', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'status', statuses: ['online'] });
    await user.click(screen.getByRole('radio', { name: 'Recordings' }));
    expect(last()).toMatchObject({ queryType: 'recordings' });
    expect(last().statuses).toBeUndefined();
    expect(screen.getByRole('radio', { name: 'Clips (one row each)' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Timeline (state timeline per camera)' }));
    expect(last()).toMatchObject({ queryType: 'recordings', recordings: { format: 'timeline' } });
    await user.click(screen.getByRole('radio', { name: 'Events' }));
    expect(last().recordings).toBeUndefined();
  });

  it('offers video or pictures for live queries; old live queries keep their pictures', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'live', live: { kind: 'video', stream: 'sub' } });
    expect(screen.getByRole('radio', { name: 'Video' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Full size (stream1)' }));
    expect(last().live).toEqual({ kind: 'video', stream: 'main' });
    expect(screen.queryByLabelText('Pictures per second')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Pictures' }));
    expect(last().live).toEqual({ kind: 'frames', fps: 2, width: 640 });
    await waitFor(() => expect(screen.getByLabelText('Pictures per second')).toBeInTheDocument());
    cleanup();
    // A query saved before video existed has no kind: it stays on pictures.
    await setup({ refId: 'B', queryType: 'live' });
    expect(screen.getByRole('radio', { name: 'Pictures' })).toBeChecked();
  });

  it('drops the previous type’s settings on a switch, so a stale value cannot fail the new query', async () => {
    const { user, last } = await setup({
      refId: 'A',
      queryType: 'live',
      cameras: ['front'],
      live: { kind: 'frames', fps: 0, width: 640 },
    });
    await user.click(screen.getByRole('radio', { name: 'Events' }));
    expect(last()).toEqual({ refId: 'A', queryType: 'events', cameras: ['front'] });
    await user.click(screen.getByLabelText('Status changes'));
    await user.click(screen.getByRole('radio', { name: 'Metrics' }));
    expect(last()).toEqual({ refId: 'A', queryType: 'metrics', cameras: ['front'], metrics: ['online'] });
  });

  it('chooses metrics by their labels', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'metrics', metrics: ['online'] });
    await user.click(screen.getByLabelText('Metrics', { selector: '#tapo-metrics-A' }));
    await user.click(await screen.findByText('Temperature'));
    expect(last().metrics).toEqual(['online', 'temperature_c']);
  });

  it('asks for at least one metric', async () => {
    await setup({ refId: 'A', queryType: 'metrics', metrics: [] });
    expect(screen.getByText('Pick at least one metric')).toBeInTheDocument();
  });

  it('chooses event kinds and status changes', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'events' });
    await user.click(screen.getByLabelText('Event kinds'));
    await user.click(await screen.findByText('Person detected'));
    expect(last().eventKinds).toEqual(['person']);
    await user.click(screen.getByLabelText('Status changes'));
    expect(last().statusChanges).toBe(true);
  });

  it('filters status rows', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'status' });
    await user.click(screen.getByLabelText('Status', { selector: '#tapo-statuses-A' }));
    await user.click(await screen.findByText('Locked out'));
    expect(last().statuses).toEqual(['locked_out']);
  });

  it('offers a sensors view with its kinds in words, and drops its kinds on a switch', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'status', statuses: ['online'] });
    await user.click(screen.getByRole('radio', { name: 'Sensors' }));
    expect(last().queryType).toBe('sensors');
    expect(last().statuses).toBeUndefined();
    await user.click(screen.getByLabelText('Sensor kinds', { selector: '#tapo-sensor-kinds-A' }));
    await user.click(await screen.findByText('Door/window contact'));
    expect(last().sensorKinds).toEqual(['contact']);
    await user.click(screen.getByRole('radio', { name: 'Metrics' }));
    expect(last().sensorKinds).toBeUndefined();
  });

  it('caps live frame rate and width', async () => {
    const { user, last, onRunQuery } = await setupLive();
    const fps = screen.getByLabelText('Pictures per second');
    await user.clear(fps);
    await user.type(fps, '25');
    expect(last().live).toEqual({ kind: 'frames', fps: 10, width: 640 });
    expect(screen.getByRole('status')).toHaveTextContent('Capped at 10 pictures per second');
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();

    const width = screen.getByLabelText('Picture width');
    await user.clear(width);
    await user.type(width, '5000');
    expect(last().live?.width).toBe(1280);
    expect(screen.getByRole('status')).toHaveTextContent('Capped at 1280 pixels wide');
  });

  it('hides fps and width for live metrics', async () => {
    const { user, last } = await setupLive();
    await user.click(screen.getByRole('radio', { name: 'Latest metrics' }));
    expect(last().live).toEqual({ kind: 'metrics' });
    expect(screen.queryByLabelText('Pictures per second')).not.toBeInTheDocument();
  });

  it('raises a width below the minimum like the sidecar would, without fighting the typing', async () => {
    const { user, last, onRunQuery } = await setupLive();
    const width = screen.getByLabelText('Picture width');
    await user.clear(width);
    await user.type(width, '100');
    // The query never holds a width the sidecar would change; the input keeps what is typed.
    expect(last().live?.width).toBe(160);
    expect(width).toHaveValue(100);
    expect(screen.getByRole('status')).toHaveTextContent('At least 160 pixels wide');
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();
    expect(width).toHaveValue(160);

    // On the way to 320 the input shows every digit; once in range the notice goes.
    await user.clear(width);
    await user.type(width, '320');
    expect(width).toHaveValue(320);
    expect(last().live?.width).toBe(320);
    expect(screen.getByRole('status')).toHaveTextContent(/^$/);
  });

  it('applies the live bounds exactly as the sidecar does', async () => {
    // The sidecar's own functions (sidecar/src/datasource/channels.ts, what its live query applies),
    // loaded at run time: the frontend's typecheck does not reach into the sidecar.
    const sidecarPath = '../../../sidecar/src/datasource/channels.ts';
    const sidecar = (await import(sidecarPath)) as {
      clampFps: (n: number | undefined) => number;
      clampWidth: (n: number | undefined) => number;
    };
    const { last } = await setupLive();
    const typed = [
      '-3',
      '0',
      '1',
      '2.5',
      '9.6',
      '11',
      '99',
      '159',
      '160',
      '161',
      '641',
      '1279',
      '1280',
      '1281',
      '5000',
    ];
    for (const [label, key, sidecarClamp] of [
      ['Pictures per second', 'fps', sidecar.clampFps],
      ['Picture width', 'width', sidecar.clampWidth],
    ] as const) {
      const input = screen.getByLabelText(label);
      for (const text of typed) {
        fireEvent.change(input, { target: { value: text } });
        fireEvent.blur(input);
        expect([key, text, last().live?.[key]]).toEqual([key, text, sidecarClamp(Number(text))]);
      }
    }
  });

  it('drops the bounds notice when the live data kind or the query type changes', async () => {
    await setupLive();
    const status = screen.getByRole('status');
    fireEvent.change(screen.getByLabelText('Picture width'), { target: { value: '5000' } });
    expect(status).toHaveTextContent('Capped at 1280 pixels wide');
    fireEvent.click(screen.getByRole('radio', { name: 'Video' }));
    expect(status).not.toHaveTextContent(/Capped/);
    fireEvent.click(screen.getByRole('radio', { name: 'Pictures' }));
    expect(status).not.toHaveTextContent(/Capped/);

    fireEvent.change(screen.getByLabelText('Pictures per second'), { target: { value: '20' } });
    expect(status).toHaveTextContent('Capped at 10 pictures per second');
    fireEvent.click(screen.getByRole('radio', { name: 'Status' }));
    fireEvent.click(screen.getByRole('radio', { name: 'Live' }));
    expect(screen.getByRole('status')).not.toHaveTextContent(/Capped/);
  });

  it('shows statuses, units and cameras in words, never raw values', async () => {
    const { user } = await setup({ refId: 'A', queryType: 'metrics', metrics: ['online'] });
    await user.click(screen.getByLabelText('Metrics', { selector: '#tapo-metrics-A' }));
    // A bound for a slow menu on a loaded machine, not a wait: it returns as soon as the menu is there.
    expect(await screen.findByText('latency_ms · milliseconds', {}, { timeout: 20000 })).toBeInTheDocument();
    expect(screen.getByText('privacy_mode · on/off (1/0)')).toBeInTheDocument();
    // A unitless metric says no unit rather than "(none)".
    expect(screen.getByText('signal_level')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(/\(none\)|bool_on_off|\(percent\)/);

    await user.click(screen.getByRole('radio', { name: 'Status' }));
    await user.click(screen.getByLabelText('Status', { selector: '#tapo-statuses-A' }));
    expect(await screen.findByText('Login failed', {}, { timeout: 20000 })).toBeInTheDocument();
    expect(screen.getByText('Wrong password, or Third-Party Compatibility off in the Tapo app')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(/auth_failed|locked_out/);
    await user.keyboard('{Escape}');

    await user.click(screen.getByLabelText('Cameras'));
    expect(await screen.findByText('garage · C100 · Offline', {}, { timeout: 20000 })).toBeInTheDocument();
  });

  it('marks a camera id that no longer exists, and only that one', async () => {
    await setup({ refId: 'A', queryType: 'status', cameras: ['front', 'gone', '$camera', '$__all'] });
    expect(screen.getByText('⚠ gone (not found)')).toBeInTheDocument();
    expect(screen.getByText('Front door')).toBeInTheDocument();
    expect(screen.getByText('$camera')).toBeInTheDocument();
    const line = screen.getByRole('status');
    expect(line).toHaveTextContent('No camera has the id “gone” any more');
    expect(within(line).getByText(/No camera has the id/)).toHaveAttribute('data-severity', 'warning');
    expect(line).not.toHaveTextContent('$camera');
  });

  it('keeps its layout when the camera list fails or a metric is missing', async () => {
    const query: TapoQuery = { refId: 'A', queryType: 'metrics', metrics: ['online'] };
    const fine = await setup(query);
    const before = domSkeleton(fine.view.container);
    expect(screen.getByRole('status')).toHaveTextContent(/^$/);
    cleanup();
    const failed = await setup(query, jest.fn().mockRejectedValue({ data: { message: 'sidecar not running' } }));
    expect(screen.getByRole('status')).toHaveTextContent('Could not load cameras: sidecar not running');
    expect(domSkeleton(failed.view.container)).toEqual(before);
    cleanup();

    // The missing metric is said on the message line too, not under (and widening) its field.
    await setup({ ...query, metrics: [] });
    expect(within(screen.getByRole('status')).getByText('Pick at least one metric')).toBeInTheDocument();
  });
});
