import { setTemplateSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { CameraListItem, TapoQuery } from '../../shared/query';
import { fakeTemplateSrv } from '../../test-utils/templateSrv';
import { settleMock } from '../../test-utils/act';
import type { DataSource } from '../datasource';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
];

async function setup(initial: TapoQuery) {
  const listCameras = jest.fn().mockResolvedValue(CAMERAS);
  const datasource = { listCameras } as unknown as DataSource;
  const changes: TapoQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <AnnotationQueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={jest.fn()}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Harness />);
  await settleMock(listCameras);
  return { user: userEvent.setup(), last: () => changes[changes.length - 1] };
}

beforeEach(() => setTemplateSrv(fakeTemplateSrv([])));

describe('AnnotationQueryEditor', () => {
  it('edits an events query: cameras, kinds, status changes', async () => {
    const { user, last } = await setup({ refId: 'Anno', queryType: 'events', statusChanges: true });
    await user.click(screen.getByLabelText('Cameras'));
    await user.click(await screen.findByText('Front door'));
    expect(last()).toMatchObject({ queryType: 'events', cameras: ['front'] });

    await user.click(screen.getByLabelText('Events'));
    await user.click(await screen.findByText('Motion'));
    expect(last().eventKinds).toEqual(['motion']);

    const toggle = screen.getByLabelText('Status changes');
    expect(toggle).toBeChecked();
    await user.click(toggle);
    expect(last().statusChanges).toBe(false);
  });

  it('forces the events query type', async () => {
    const { user, last } = await setup({ refId: 'Anno', queryType: 'metrics' });
    await user.click(screen.getByLabelText('Status changes'));
    expect(last().queryType).toBe('events');
  });
});
