import { setTemplateSrv } from '@grafana/runtime';
import { cleanup, screen } from '@testing-library/react';

import type { CameraListItem, TapoQuery } from '../../shared/query';
import { domSkeleton, renderQueryEditor } from '../../test-utils/queryEditorHarness';
import { fakeTemplateSrv } from '../../test-utils/templateSrv';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';
import { FIELD_LABELS } from './options';
import { QueryEditor } from './QueryEditor';

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
];

function setup(initial: TapoQuery, listCameras = jest.fn().mockResolvedValue(CAMERAS)) {
  return renderQueryEditor(AnnotationQueryEditor, initial, listCameras);
}

beforeEach(() => setTemplateSrv(fakeTemplateSrv([])));

describe('AnnotationQueryEditor', () => {
  it('edits an events query: cameras, kinds, status changes', async () => {
    const { user, last } = await setup({ refId: 'Anno', queryType: 'events', statusChanges: true });
    await user.click(screen.getByLabelText('Cameras'));
    await user.click(await screen.findByText('Front door'));
    expect(last()).toMatchObject({ queryType: 'events', cameras: ['front'] });

    await user.click(screen.getByLabelText('Event kinds'));
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

  it('names event kinds and status changes as the query editor does', async () => {
    await setup({ refId: 'Anno', queryType: 'events' });
    const annotationLabels = Array.from(document.querySelectorAll('label')).map((l) => l.textContent);
    cleanup();
    await renderQueryEditor(QueryEditor, { refId: 'A', queryType: 'events' } as TapoQuery);
    const queryLabels = Array.from(document.querySelectorAll('label')).map((l) => l.textContent);
    for (const label of [FIELD_LABELS.cameras, FIELD_LABELS.eventKinds, FIELD_LABELS.statusChanges]) {
      expect([label, annotationLabels.includes(label)]).toEqual([label, true]);
      expect([label, queryLabels.includes(label)]).toEqual([label, true]);
    }
    expect(annotationLabels).not.toContain('Events');
  });

  it('marks a camera that no longer exists, and keeps its layout when the list fails', async () => {
    const fine = await setup({ refId: 'Anno', queryType: 'events', cameras: ['front'] });
    const before = domSkeleton(fine.view.container);
    cleanup();
    await setup({ refId: 'Anno', queryType: 'events', cameras: ['old-porch'] });
    expect(screen.getByText('⚠ old-porch (not found)')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('No camera has the id “old-porch” any more');
    cleanup();
    const failed = await setup(
      { refId: 'Anno', queryType: 'events', cameras: ['front'] },
      jest.fn().mockRejectedValue({ data: { message: 'sidecar not running' } })
    );
    expect(screen.getByRole('status')).toHaveTextContent('Could not load cameras: sidecar not running');
    expect(domSkeleton(failed.view.container)).toEqual(before);
  });
});
