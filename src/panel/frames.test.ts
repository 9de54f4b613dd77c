import { type DataQueryRequest, FieldType, createDataFrame } from '@grafana/data';

import { extractTiles, filterTiles, isOffline, parseImageValue, uidFromChannel } from './frames';

const JPEG_B64 = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA==';
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('parseImageValue', () => {
  it('reads base64 with its image type, and URLs as they are', () => {
    expect(parseImageValue(JPEG_B64)).toEqual({ kind: 'base64', data: JPEG_B64, mime: 'image/jpeg' });
    expect(parseImageValue(PNG_B64)).toMatchObject({ kind: 'base64', mime: 'image/png' });
    expect(parseImageValue('https://cams/front.jpg')).toEqual({ kind: 'url', url: 'https://cams/front.jpg' });
    expect(parseImageValue('data:image/png;base64,AAAA')).toEqual({ kind: 'url', url: 'data:image/png;base64,AAAA' });
  });

  it('rejects what is neither', () => {
    expect(parseImageValue('not an image!')).toBeUndefined();
    expect(parseImageValue(42)).toBeUndefined();
    expect(parseImageValue('')).toBeUndefined();
  });
});

describe('extractTiles', () => {
  it('reads the sidecar frames contract', () => {
    const frame = createDataFrame({
      refId: 'A',
      meta: { channel: 'ds/uid-1/camera/front/frames/2/640' },
      fields: [
        { name: 'time', type: FieldType.time, values: [5000] },
        { name: 'camera_id', type: FieldType.string, values: ['front'] },
        { name: 'camera_name', type: FieldType.string, values: ['Front door'] },
        { name: 'width', type: FieldType.number, values: [640] },
        { name: 'height', type: FieldType.number, values: [360] },
        { name: 'jpeg', type: FieldType.string, values: [JPEG_B64] },
        { name: 'status', type: FieldType.string, values: ['online'] },
        { name: 'last_seen', type: FieldType.time, values: [4900] },
        { name: 'motion', type: FieldType.boolean, values: [true] },
        { name: 'error', type: FieldType.string, values: [null] },
      ],
    });
    expect(extractTiles([frame])).toEqual([
      {
        key: 'front',
        cameraId: 'front',
        name: 'Front door',
        time: 5000,
        image: { kind: 'base64', data: JPEG_B64, mime: 'image/jpeg' },
        width: 640,
        height: 360,
        status: 'online',
        lastSeen: 4900,
        motion: true,
        lastMotion: undefined,
        error: undefined,
        ptz: undefined,
        privacy: undefined,
        datasourceUid: 'uid-1',
        // 2 pictures a second on the channel: the tile notices when they stop.
        liveIntervalMs: 500,
      },
    ]);
  });

  it('takes the newest row per camera from a multi-camera table of image URLs', () => {
    const frame = createDataFrame({
      refId: 'B',
      fields: [
        { name: 'Time', type: FieldType.time, values: [1000, 3000, 2000, 1500] },
        { name: 'camera', type: FieldType.string, values: ['a', 'a', 'b', 'b'] },
        { name: 'snapshot_url', type: FieldType.string, values: ['/a1.jpg', '/a3.jpg', '/b2.jpg', '/b1.jpg'] },
      ],
    });
    const tiles = extractTiles([frame]);
    expect(tiles.map((t) => [t.key, t.time, t.image])).toEqual([
      ['a', 3000, { kind: 'url', url: '/a3.jpg' }],
      ['b', 2000, { kind: 'url', url: '/b2.jpg' }],
    ]);
  });

  it('finds an unnamed picture field by its content, one camera per frame', () => {
    const frames = [
      createDataFrame({ name: 'Porch', fields: [{ name: 'blob', type: FieldType.string, values: [JPEG_B64] }] }),
      createDataFrame({ refId: 'C', fields: [{ name: 'value', type: FieldType.string, values: ['https://x/y.png'] }] }),
      createDataFrame({ refId: 'D', fields: [{ name: 'value', type: FieldType.number, values: [1] }] }),
    ];
    expect(extractTiles(frames).map((t) => t.name)).toEqual(['Porch', 'C']);
  });

  it('gets the datasource uid from the request when the frame has no channel', () => {
    const frame = createDataFrame({
      refId: 'A',
      fields: [
        { name: 'camera_id', type: FieldType.string, values: ['front'] },
        { name: 'jpeg', type: FieldType.string, values: [JPEG_B64] },
      ],
    });
    const request = {
      targets: [
        { refId: 'A', datasource: { type: 'camwatch-tapo-datasource', uid: 'uid-9' } },
        { refId: 'B', datasource: { type: 'prometheus', uid: 'p' } },
      ],
    } as unknown as DataQueryRequest;
    expect(extractTiles([frame], request)[0].datasourceUid).toBe('uid-9');
    expect(extractTiles([frame])[0].datasourceUid).toBeUndefined();
  });

  it('merges what two frames know about the same camera', () => {
    const live = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [2000] },
        { name: 'camera_id', type: FieldType.string, values: ['front'] },
        { name: 'jpeg', type: FieldType.string, values: [JPEG_B64] },
      ],
    });
    const status = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1000] },
        { name: 'camera_id', type: FieldType.string, values: ['front'] },
        { name: 'image_url', type: FieldType.string, values: ['/old.jpg'] },
        { name: 'ptz', type: FieldType.boolean, values: [true] },
      ],
    });
    const [tile] = extractTiles([live, status]);
    expect(tile.image?.kind).toBe('base64');
    expect(tile.ptz).toBe(true);
  });
});

describe('helpers', () => {
  it('parses the uid out of a Grafana Live channel', () => {
    expect(uidFromChannel('ds/abc/camera/x/frames/2/640')).toBe('abc');
    expect(uidFromChannel('plugin/x/y')).toBeUndefined();
    expect(uidFromChannel(undefined)).toBeUndefined();
  });

  it('decides offline from the status, else from an error', () => {
    expect(isOffline({ status: 'online', error: 'x' })).toBe(false);
    expect(isOffline({ status: 'locked_out' })).toBe(true);
    expect(isOffline({ status: 'unknown' })).toBe(false);
    expect(isOffline({ error: 'timeout' })).toBe(true);
    expect(isOffline({})).toBe(false);
  });

  it('filters tiles by id or name', () => {
    const tiles = [
      { key: 'a', cameraId: 'a', name: 'Front' },
      { key: 'b', cameraId: 'b', name: 'Garage' },
    ];
    expect(filterTiles(tiles, ' garage , x').map((t) => t.key)).toEqual(['b']);
    expect(filterTiles(tiles, 'A').map((t) => t.key)).toEqual(['a']);
    expect(filterTiles(tiles, '')).toBe(tiles);
  });
});
