/**
 * A picture with every event, end to end (issue 21): the composition root with a simulated hub whose
 * battery child detects a pet. The child's wake-up stream (the hub's port 8800, decoded by ffmpeg)
 * gives the picture; the events query carries its id, resource path and thumbnail (a data URL in an
 * image cell); the resources serve it to the roles that see the live view, and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { EVENT_PICTURE_LIMITS, WITH_PICTURE } from '../../../src/shared/query.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { jpegSize } from '../../src/media/jpeg.ts';
import { startGardenHub } from '../helpers/sim-hub.ts';
import { getRequest } from '../helpers/resource-request.ts';
import { cameraListed, hubEntry, startStandaloneApp, waitFor } from '../helpers/standalone-app.ts';

/** A resource call by a user of `role` (null: no user). */
const resource = (path: string, role: string | null = 'Viewer', method = 'GET') => ({
  ...getRequest(path, role),
  method,
});

test("a hub child's event keeps one picture from its wake-up stream, in the events frame and as resources", async (t) => {
  const hub = await startGardenHub({ idleSleepMs: 600_000 });
  process.env.HUB_PASSWORD = hub.cloudPassword;
  const { app, dir, stop } = await startStandaloneApp([hubEntry('hub', hub, { passwordEnv: 'HUB_PASSWORD' })]);
  t.after(async () => {
    await stop();
    await hub.close();
  });
  const garden = hub.child('Garden');
  const id = childCameraId('hub', garden.deviceId);

  /** The events query as a dashboard's table asks it, decoded from Arrow. */
  const events = async (over: Record<string, unknown> = {}) => {
    const res = await app.handlers.queryData({
      pluginContext: resource('').pluginContext,
      headers: {},
      queries: [
        {
          refId: 'E',
          maxDataPoints: 100,
          intervalMS: 1000,
          timeRange: { fromEpochMS: Date.now() - 600_000, toEpochMS: Date.now() + 1000 },
          json: Buffer.from(JSON.stringify({ queryType: 'events', cameras: [id], ...over })),
          queryType: '',
        },
      ],
    });
    assert.equal(res.E!.error, undefined);
    return tableFromIPC(res.E!.frames[0]!);
  };
  // Polling a deadline, as for any process outside the test's control: the hub lists the child first.
  // Generous bounds: a loaded 2-core CI host.
  await cameraListed(app, id, 60_000);

  // The child sleeps; a pet wakes it (the fleet asks a child that woke for its last alarm).
  garden.sleep();
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5)); // a new alarm second
  garden.trigger('pet');
  // The hub's list is read once a minute (issue 24), so the wake is not seen by itself within the
  // test's bound: as an editor does, refresh the hub's list, then test the child (one poll of it).
  const refreshed = await app.handlers.callResource({
    ...resource('hubs/hub/children', 'Editor'),
    url: 'hubs/hub/children?refresh=1',
  });
  assert.equal(refreshed.code, 200, refreshed.body.toString());
  const tested = await app.handlers.callResource(resource(`cameras/${id}/test`, 'Editor', 'POST'));
  assert.equal(tested.code, 200, tested.body.toString());
  const table = await waitFor(
    async () => {
      const tb = await events();
      return tb.numRows > 0 && tb.getChild('picture')!.get(0) ? tb : undefined;
    },
    'the event with its picture',
    60_000
  );
  assert.equal(table.numRows, 1);
  assert.equal(table.getChild('kind')!.get(0), 'pet');
  assert.ok(String(table.getChild('text')!.get(0)).endsWith(`(${WITH_PICTURE})`));
  const eventId = String(table.getChild('event_id')!.get(0));
  assert.match(eventId, /^[0-9a-f]{16}$/);
  assert.equal(table.getChild('picture')!.get(0), `events/${eventId}/picture`);
  const field = (name: string) => table.schema.fields.find((f) => f.name === name)!;
  assert.deepEqual(JSON.parse(field('thumbnail').metadata.get('config')!).custom, { cellOptions: { type: 'image' } });
  assert.match(JSON.parse(field('picture').metadata.get('config')!).links[0].url, /\/resources\/\$\{__value\.raw\}$/);
  const thumbUrl = String(table.getChild('thumbnail')!.get(0));
  assert.match(thumbUrl, /^data:image\/jpeg;base64,/);
  const thumb = Buffer.from(thumbUrl.slice(thumbUrl.indexOf(',') + 1), 'base64');
  assert.equal(jpegSize(thumb)?.width, EVENT_PICTURE_LIMITS.thumbnailWidth);

  // Annotations ask without thumbnails: the same columns, the link kept, no picture bytes.
  // (Its rows include the child's status changes, sleeping and awake: the event's row by its id.)
  const anno = await events({ statusChanges: true, thumbnails: false });
  const row = Array.from({ length: anno.numRows }, (_, i) => i).find(
    (i) => anno.getChild('event_id')!.get(i) === eventId
  );
  assert.ok(row !== undefined, 'the event is among the annotations');
  assert.equal(anno.getChild('thumbnail')!.get(row), '');
  assert.equal(anno.getChild('picture')!.get(row), `events/${eventId}/picture`);

  // The resources: a Viewer sees what the live view shows; no user, or no role, sees nothing.
  const pic = await app.handlers.callResource(resource(`events/${eventId}/picture`, 'Viewer'));
  assert.equal(pic.code, 200, pic.body.toString().slice(0, 200));
  assert.deepEqual(pic.headers['Content-Type']!.values, ['image/jpeg']);
  assert.equal(jpegSize(pic.body)?.width, EVENT_PICTURE_LIMITS.pictureWidth);
  const th = await app.handlers.callResource(resource(`events/${eventId}/thumbnail`, 'Editor'));
  assert.equal(th.code, 200);
  assert.deepEqual(th.body, thumb);
  for (const role of [null, '', 'None']) {
    const r = await app.handlers.callResource(resource(`events/${eventId}/picture`, role));
    assert.equal(r.code, 403, `role ${role}`);
    assert.ok(!r.body.includes(Buffer.from([0xff, 0xd8])), 'no picture bytes in a refusal');
  }
  assert.equal((await app.handlers.callResource(resource(`events/${eventId}/picture`, 'Admin', 'POST'))).code, 405);
  for (const bad of [
    'events/../picture',
    'events/..%2F..%2Fcamera-state.json/picture',
    'events/../../camera-state.json/picture',
    'events/0123456789abcdeg/picture',
    `events/${eventId.toUpperCase()}/picture`,
    `events/${eventId}/../../index.json`,
    'events/0123456789abcdef/picture',
  ]) {
    const r = await app.handlers.callResource(resource(bad, 'Admin'));
    assert.equal(r.code, 404, `${bad}: ${r.code} ${r.body.toString().slice(0, 100)}`);
  }

  // On disk: the picture and its thumbnail, named by the id only.
  const folder = join(dir, 'event-pictures');
  assert.ok(existsSync(join(folder, `${eventId}.jpg`)));
  for (const name of readdirSync(folder)) {
    assert.match(name, /^([0-9a-f]{16}(\.thumb)?\.jpg|index\.json)$/);
  }
});
