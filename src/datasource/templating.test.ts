import { fakeTemplateSrv } from '../test-utils/templateSrv';
import { clampLiveFps, clampLiveWidth } from '../shared/query';
import { interpolateCameras, interpolateQuery } from './templating';

const templateSrv = fakeTemplateSrv([
  { name: 'camera', current: ['front', 'garage'], options: ['front', 'garage', 'yard'] },
  { name: 'one', current: ['yard'], options: ['front', 'garage', 'yard'] },
  { name: 'every', current: '$__all', options: ['front', 'garage', 'yard'] },
  { name: 'star', current: '$__all', options: ['front', 'garage'], allValue: '*' },
  { name: 'regex', current: '$__all', options: ['front', 'garage'], allValue: '.*' },
]);

describe('interpolateCameras', () => {
  it('keeps literal ids and drops blanks and duplicates', () => {
    expect(interpolateCameras(['front', ' ', 'front', 'yard'], {}, templateSrv)).toEqual(['front', 'yard']);
  });

  it('expands a multi-value variable into several ids', () => {
    expect(interpolateCameras(['$camera'], {}, templateSrv)).toEqual(['front', 'garage']);
    expect(interpolateCameras(['${one}', '$camera'], {}, templateSrv)).toEqual(['yard', 'front', 'garage']);
  });

  it('turns All into an empty list (every camera, also ones added later)', () => {
    expect(interpolateCameras(['front', '$every'], {}, templateSrv)).toEqual([]);
    expect(interpolateCameras(['$star'], {}, templateSrv)).toEqual([]);
    expect(interpolateCameras(['*'], {}, templateSrv)).toEqual([]);
  });

  it('reads All from the variable when a custom all value bypasses the format function', () => {
    expect(interpolateCameras(['$regex'], {}, templateSrv)).toEqual([]);
    expect(interpolateCameras(['front', '${regex}'], {}, templateSrv)).toEqual([]);
    // A repeated panel's scoped value wins over the variable's All.
    expect(interpolateCameras(['$regex'], { regex: { text: 'Front', value: 'front' } }, templateSrv)).toEqual([
      'front',
    ]);
  });

  it('prefers scoped variables (repeated panels)', () => {
    expect(interpolateCameras(['$camera'], { camera: { text: 'Yard', value: 'yard' } }, templateSrv)).toEqual(['yard']);
  });

  it('leaves unknown variables for the backend to refuse by name', () => {
    expect(interpolateCameras(['$nope'], {}, templateSrv)).toEqual(['$nope']);
  });

  it('treats a missing list as all cameras', () => {
    expect(interpolateCameras(undefined, {}, templateSrv)).toEqual([]);
  });
});

describe('interpolateQuery', () => {
  it('caps live fps and width and fills defaults', () => {
    const q = interpolateQuery(
      { refId: 'A', queryType: 'live', cameras: ['$one'], live: { kind: 'frames', fps: 60, width: 4000 } },
      {},
      templateSrv
    );
    expect(q).toEqual({
      refId: 'A',
      queryType: 'live',
      cameras: ['yard'],
      live: { kind: 'frames', fps: 10, width: 1280 },
    });
    const d = interpolateQuery({ refId: 'A', queryType: 'live' }, {}, templateSrv);
    expect(d.live).toEqual({ kind: 'frames', fps: 2, width: 640 });
  });

  it('keeps a video query’s stream and caps its picture fallback', () => {
    const v = interpolateQuery(
      { refId: 'A', queryType: 'live', live: { kind: 'video', stream: 'main', fps: 60 } },
      {},
      templateSrv
    );
    expect(v.live).toEqual({ kind: 'video', stream: 'main', fps: 10, width: 640 });
  });

  it('does not add live settings to other query types', () => {
    const q = interpolateQuery(
      { refId: 'A', queryType: 'metrics', metrics: ['online'], cameras: ['$camera'] },
      {},
      templateSrv
    );
    expect(q).toEqual({ refId: 'A', queryType: 'metrics', metrics: ['online'], cameras: ['front', 'garage'] });
  });

  it('drops live settings left on another query type (the sidecar would refuse fps 0)', () => {
    const q = interpolateQuery(
      { refId: 'A', queryType: 'metrics', metrics: ['online'], live: { kind: 'frames', fps: 0 } },
      {},
      templateSrv
    );
    expect(q).toEqual({ refId: 'A', queryType: 'metrics', metrics: ['online'], cameras: [] });
  });

  it('clamps out-of-range numbers', () => {
    expect(clampLiveFps(0)).toBe(1);
    expect(clampLiveFps(2.6)).toBe(3);
    expect(clampLiveFps(NaN)).toBe(2);
    expect(clampLiveWidth(10)).toBe(160);
  });
});
