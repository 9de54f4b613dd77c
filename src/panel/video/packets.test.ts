import { PacketReader, toVideoRow, videoReader } from './packets';

describe('PacketReader', () => {
  it('reads rows by the schema’s names and keeps the schema for data-only packets', () => {
    const r = new PacketReader(['a', 'b']);
    const schema = { fields: [{ name: 'kind' }, { name: 'seq' }] };
    expect(
      r.read({
        schema,
        data: {
          values: [
            ['init', 'fragment'],
            [4, 4],
          ],
        },
      })
    ).toEqual([
      { kind: 'init', seq: 4 },
      { kind: 'fragment', seq: 4 },
    ]);
    expect(r.read({ data: { values: [['fragment'], [5]] } })).toEqual([{ kind: 'fragment', seq: 5 }]);
    expect(r.read({ schema })).toEqual([]); // a schema replayed without data
    expect(r.read(null)).toEqual([]);
    expect(r.read({ data: { values: 'nonsense' } })).toEqual([]);
  });

  it('assumes the sidecar’s field order before any schema, and ignores rows that are not video', () => {
    const rows = videoReader().read({
      data: { values: [[1], [7], ['fragment'], [true], ['avc1.64001e'], [640], [360], ['AAAA'], [null]] },
    });
    expect(toVideoRow(rows[0])).toEqual({
      time: 1,
      seq: 7,
      kind: 'fragment',
      keyframe: true,
      codec: 'avc1.64001e',
      width: 640,
      height: 360,
      data: 'AAAA',
      error: null,
    });
    expect(toVideoRow({ kind: 'jpeg' })).toBeUndefined();
    expect(toVideoRow({})).toBeUndefined();
  });
});
