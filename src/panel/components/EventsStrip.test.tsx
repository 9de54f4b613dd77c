import { type DataQueryRequest, FieldType, createDataFrame } from '@grafana/data';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import React from 'react';

import { EVENT_KIND_LABELS } from '../../shared/query';
import { extractEvents } from '../events';
import { extractTiles } from '../frames';
import { TAPO_DATASOURCE_TYPE } from '../types';
import { EventsStrip } from './EventsStrip';

const THUMB = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA==';

/** An events frame as the sidecar answers it (EVENT_FIELDS and EVENT_PICTURE_FIELDS). */
function eventsFrame() {
  return createDataFrame({
    refId: 'E',
    fields: [
      { name: 'time', type: FieldType.time, values: [1000, 2000, 3000, 4000, 5000] },
      { name: 'time_end', type: FieldType.time, values: [null, null, null, null, null] },
      { name: 'camera_id', type: FieldType.string, values: ['porch', 'porch', 'garage', 'porch', 'porch'] },
      { name: 'camera_name', type: FieldType.string, values: ['Porch', 'Porch', 'Garage', 'Porch', 'Porch'] },
      { name: 'kind', type: FieldType.string, values: ['motion', 'pet', 'person', 'status_offline', 'glass_break'] },
      { name: 'source', type: FieldType.string, values: ['onvif', 'last_alarm', 'onvif', 'poll', 'last_alarm'] },
      { name: 'text', type: FieldType.string, values: ['a', 'b', 'c', 'd', 'e'] },
      {
        name: 'event_id',
        type: FieldType.string,
        values: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc', '', ''],
      },
      { name: 'picture', type: FieldType.string, values: ['events/aaaaaaaaaaaaaaaa/picture', 'x', 'y', '', ''] },
      { name: 'thumbnail', type: FieldType.string, values: [THUMB, THUMB, THUMB, '', ''] },
    ],
  });
}

const request = {
  targets: [{ refId: 'E', datasource: { type: TAPO_DATASOURCE_TYPE, uid: 'ds-1' } }],
} as unknown as DataQueryRequest;

describe('extractEvents', () => {
  it('gives the newest events of the shown cameras, newest first, without status changes', () => {
    const events = extractEvents([eventsFrame()], request, new Set(['porch']), 10);
    expect(events.map((e) => [e.kind, e.time, e.pictureId ?? null])).toEqual([
      ['glass_break', 5000, null],
      ['pet', 2000, 'bbbbbbbbbbbbbbbb'],
      ['motion', 1000, 'aaaaaaaaaaaaaaaa'],
    ]);
    expect(events[1]).toMatchObject({ label: EVENT_KIND_LABELS.pet, thumbnail: THUMB, datasourceUid: 'ds-1' });
    expect(events[0]!.thumbnail).toBeUndefined();
    expect(extractEvents([eventsFrame()], request, undefined, 2).map((e) => e.cameraId)).toEqual(['porch', 'garage']);
  });

  it('keeps an events frame out of the camera tiles, though it carries pictures', () => {
    expect(extractTiles([eventsFrame()], request)).toEqual([]);
  });
});

describe('EventsStrip', () => {
  let urls = 0;
  beforeEach(() => {
    URL.createObjectURL = jest.fn(() => `blob:event/${++urls}`);
    URL.revokeObjectURL = jest.fn();
  });

  it('shows thumbnails with kind and time, and a click shows the full-size picture until closed', async () => {
    const events = extractEvents([eventsFrame()], request, new Set(['porch', 'garage']), 8);
    let resolve: (b: Blob) => void = () => undefined;
    const fetchPicture = jest.fn(() => new Promise<Blob>((r) => (resolve = r)));
    render(<EventsStrip events={events} fetchPicture={fetchPicture} />);

    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(4);
    expect(items[0]).toHaveTextContent(EVENT_KIND_LABELS.glass_break);
    expect(items[0]).toBeDisabled(); // no picture kept
    expect(screen.getByAltText(`${EVENT_KIND_LABELS.person}, Garage`)).toHaveAttribute('src', THUMB);

    fireEvent.click(screen.getByAltText(`${EVENT_KIND_LABELS.pet}, Porch`));
    expect(fetchPicture).toHaveBeenCalledWith('ds-1', 'bbbbbbbbbbbbbbbb');
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveTextContent('Loading the picture');
    await act(async () => resolve(new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' })));
    const full = await within(screen.getByRole('dialog')).findByAltText(`${EVENT_KIND_LABELS.pet}, Porch`);
    expect(full).toHaveAttribute('src', 'blob:event/1');

    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:event/1');
  });

  it('says why when the picture cannot be fetched (aged out, or not allowed)', async () => {
    const events = extractEvents([eventsFrame()], request, undefined, 8);
    const fetchPicture = jest.fn(() => Promise.reject(new Error('no picture for event aaaaaaaaaaaaaaaa')));
    render(<EventsStrip events={events} fetchPicture={fetchPicture} />);
    fireEvent.click(screen.getByAltText(`${EVENT_KIND_LABELS.motion}, Porch`));
    expect(await screen.findByText('no picture for event aaaaaaaaaaaaaaaa')).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Close the picture'));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says so when the cameras had no events', () => {
    render(<EventsStrip events={[]} fetchPicture={jest.fn()} />);
    expect(screen.getByTestId('events-strip')).toHaveTextContent('No events of these cameras');
  });
});
