import { applyPolls, metricsChannelOf, NO_POLL } from './cameraState';

describe('camera state from the metrics channel', () => {
  it('finds the metrics channel beside a video channel', () => {
    expect(metricsChannelOf('ds/uid-1/camera/front/video/sub')).toBe('ds/uid-1/camera/front/metrics');
    expect(metricsChannelOf('ds/uid-1/camera/front/video/main')).toBe('ds/uid-1/camera/front/metrics');
    expect(metricsChannelOf('ds/uid-1/camera/front/frames/2/640')).toBeUndefined();
  });

  it('applies polls in order: status, reason, privacy, and the last answer', () => {
    const s = applyPolls(
      NO_POLL,
      [
        { time: 1000, camera_id: 'front', status: 'online', privacy_mode: true, last_error: null },
        { time: 2000, camera_id: 'other', status: 'offline', last_error: 'not ours' },
        { time: 3000, camera_id: 'front', status: 'offline', privacy_mode: null, last_error: 'timeout' },
      ],
      'front'
    );
    expect(s).toEqual({ polled: true, status: 'offline', error: 'timeout', privacy: undefined, lastSeen: 1000 });
    // A motion event resends the last poll with its time; an older one never moves it back.
    const moved = applyPolls(s, [{ time: 3000, camera_id: 'front', status: 'offline', last_motion: 3500 }], 'front');
    expect(moved.lastMotion).toBe(3500);
    expect(
      applyPolls(moved, [{ time: 3000, camera_id: 'front', status: 'offline', last_motion: 100 }]).lastMotion
    ).toBe(3500);
    expect(applyPolls(s, [{ time: 4000, camera_id: 'front', status: 'sleeping' }], 'front')).toMatchObject({
      status: 'sleeping',
      error: undefined,
      lastSeen: 4000,
    });
  });

  it('ignores rows without a status (a schema replayed, nonsense)', () => {
    expect(applyPolls(NO_POLL, [{ time: 1 }, { status: 7 }, {}])).toBe(NO_POLL);
  });
});
