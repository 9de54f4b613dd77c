/** Events query: motion/person events (and, for annotations, status changes) in range, as a table. */
import {
  EVENT_FIELDS as F,
  EVENT_KIND_LABELS,
  EVENT_PICTURE_FIELDS as P,
  EVENT_PICTURE_LIMITS,
  WITH_PICTURE,
  eventPictureResources,
  type TapoQuery,
} from '../../../../src/shared/query.ts';
import type { Frame, FrameField } from '../../grafana/frame.ts';
import { eventPictureId } from '../../media/event-pictures/ids.ts';
import { alertTable, selectCameras, type QueryContext } from './context.ts';

interface Row {
  time: number;
  end: number | null;
  cameraId: string;
  kind: string;
  source: string;
  text: string;
  /** The event's picture id, when a picture was kept. */
  pictureId: string | null;
}

export async function eventsQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  const cameras = selectCameras(ctx.fleet, query);
  const names = new Map(cameras.map((c) => [c.id, c.name]));
  const ids = cameras.map((c) => c.id);
  const events = await ctx.fleet.events(ids, ctx.from, ctx.to, query.eventKinds?.length ? query.eventKinds : undefined);
  if (ctx.fromAlert) {
    // One instance per camera: the number of events in the rule's range, e.g. "events > 10" over 1 m.
    const counts = new Map<string, number>();
    for (const e of events) {
      counts.set(e.cameraId, (counts.get(e.cameraId) ?? 0) + 1);
    }
    return [
      alertTable(
        'events',
        query.refId,
        cameras,
        'events',
        ids.map((id) => counts.get(id) ?? 0)
      ),
    ];
  }
  const rows: Row[] = events.map((e) => {
    const id = ctx.pictures ? eventPictureId(e) : null;
    const pictureId = id && ctx.pictures!.has(id) ? id : null;
    const what = e.kind === 'motion' ? 'Motion detected' : (EVENT_KIND_LABELS[e.kind] ?? e.kind);
    return {
      time: e.start,
      end: e.end,
      cameraId: e.cameraId,
      kind: e.kind,
      source: e.source,
      text: `${what} on ${names.get(e.cameraId) ?? e.cameraId}${pictureId ? ` (${WITH_PICTURE})` : ''}`,
      pictureId,
    };
  });
  if (query.statusChanges) {
    for (const s of await ctx.fleet.statusChanges(ids, ctx.from, ctx.to)) {
      const name = names.get(s.cameraId) ?? s.cameraId;
      const text =
        s.to === 'online'
          ? `${name} came back online (was ${s.from})`
          : `${name} went ${s.to}${s.error ? `: ${s.error}` : ''}`;
      rows.push({
        time: s.time,
        end: null,
        cameraId: s.cameraId,
        kind: `status_${s.to}`,
        source: 'poll',
        text,
        pictureId: null,
      });
    }
  }
  rows.sort((a, b) => a.time - b.time);
  const col = <T>(f: (r: Row) => T) => rows.map(f);
  return [
    {
      name: 'events',
      refId: query.refId,
      meta: { type: 'table', preferredVisualisationType: 'logs' },
      fields: [
        { name: F.time, type: 'time', values: col((r) => r.time) },
        { name: F.timeEnd, type: 'time', values: col((r) => r.end), nullable: true },
        { name: F.cameraId, type: 'string', values: col((r) => r.cameraId) },
        { name: F.cameraName, type: 'string', values: col((r) => names.get(r.cameraId) ?? r.cameraId) },
        { name: F.kind, type: 'string', values: col((r) => r.kind) },
        { name: F.source, type: 'string', values: col((r) => r.source) },
        { name: F.text, type: 'string', values: col((r) => r.text) },
        ...(ctx.pictures ? await pictureFields(ctx, rows, query.thumbnails !== false) : []),
      ],
    },
  ];
}

/**
 * The event id, the picture's resource path (a link to it through Grafana's resource URL) and the
 * thumbnail as a data URL that Grafana's table shows as an image; thumbnails for the newest rows
 * only, and none when the query asks without (annotations: a dashboard refresh need not carry them).
 */
async function pictureFields(ctx: QueryContext, rows: Row[], thumbnails: boolean): Promise<FrameField[]> {
  const withThumb = new Set<number>();
  const most = thumbnails ? EVENT_PICTURE_LIMITS.thumbnailsPerFrame : 0;
  for (let i = rows.length - 1; i >= 0 && withThumb.size < most; i--) {
    if (rows[i]!.pictureId) {
      withThumb.add(i);
    }
  }
  const thumbs = await Promise.all(
    rows.map(async (r, i) => {
      const jpeg = withThumb.has(i) ? await ctx.pictures!.read(r.pictureId!, 'thumbnail') : null;
      return jpeg ? `data:image/jpeg;base64,${jpeg.toString('base64')}` : '';
    })
  );
  return [
    { name: P.eventId, type: 'string', values: rows.map((r) => r.pictureId ?? '') },
    {
      name: P.picture,
      type: 'string',
      values: rows.map((r) => (r.pictureId ? eventPictureResources.picture(r.pictureId) : '')),
      config: {
        displayName: 'Picture',
        links: [
          {
            title: 'Open the picture',
            url: `/api/datasources/uid/${ctx.uid}/resources/\${__value.raw}`,
            targetBlank: true,
          },
        ],
      },
    },
    {
      name: P.thumbnail,
      type: 'string',
      values: thumbs,
      config: { displayName: 'Thumbnail', custom: { cellOptions: { type: 'image' } } },
    },
  ];
}
