import { setTemplateSrv } from '@grafana/runtime';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { CameraListItem, TapoQuery } from '../../shared/query';
import { settleMock } from '../../test-utils/act';
import { fakeTemplateSrv } from '../../test-utils/templateSrv';
import type { DataSource } from '../datasource';
import { QueryEditor } from './QueryEditor';

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
  { id: 'garage', name: 'Garage', model: 'C100', status: 'offline', host: '10.0.0.3', ptz: false },
];

async function setup(initial: TapoQuery, listCameras = jest.fn().mockResolvedValue(CAMERAS)) {
  const datasource = { listCameras } as unknown as DataSource;
  const onRunQuery = jest.fn();
  const changes: TapoQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={onRunQuery}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Harness />);
  await settleMock(listCameras);
  return { user: userEvent.setup(), onRunQuery, last: () => changes[changes.length - 1], listCameras };
}

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

  it('offers video or pictures for live queries; old live queries keep their pictures', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'live', live: { kind: 'video', stream: 'sub' } });
    expect(screen.getByRole('radio', { name: 'Video' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Full size (stream1)' }));
    expect(last().live).toEqual({ kind: 'video', stream: 'main' });
    expect(screen.queryByLabelText('Frames/s')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Pictures' }));
    expect(last().live).toEqual({ kind: 'frames', fps: 2, width: 640 });
    await waitFor(() => expect(screen.getByLabelText('Frames/s')).toBeInTheDocument());
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
    await user.click(await screen.findByText('Person'));
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

  it('caps live frame rate and width', async () => {
    const { user, last, onRunQuery } = await setup({
      refId: 'A',
      queryType: 'live',
      live: { kind: 'frames', fps: 2, width: 640 },
    });
    const fps = screen.getByLabelText('Frames/s');
    await user.clear(fps);
    await user.type(fps, '25');
    expect(last().live).toEqual({ kind: 'frames', fps: 10, width: 640 });
    expect(screen.getByRole('status')).toHaveTextContent('Capped at 10 frames per second');
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();

    const width = screen.getByLabelText('Width');
    await user.clear(width);
    await user.type(width, '5000');
    expect(last().live?.width).toBe(1280);
    expect(screen.getByRole('status')).toHaveTextContent('Capped at 1280 pixels wide');
  });

  it('hides fps and width for live metrics', async () => {
    const { user, last } = await setup({ refId: 'A', queryType: 'live', live: { kind: 'frames', fps: 2, width: 640 } });
    await user.click(screen.getByRole('radio', { name: 'Latest metrics' }));
    expect(last().live).toEqual({ kind: 'metrics' });
    expect(screen.queryByLabelText('Frames/s')).not.toBeInTheDocument();
  });
});
