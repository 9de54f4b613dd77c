/**
 * GET resources/events/<id>/picture|thumbnail within a datasource's scope: a picture of a camera
 * the datasource does not see answers as an unknown event (404), like one that never existed, so a
 * caller learns nothing about other datasources' cameras.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { callResource } from '../../src/datasource/resources.ts';
import type { EventPictureReader } from '../../src/datasource/deps.ts';
import { scopedFleet } from '../../src/datasource/scope.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { resourceRequest } from '../helpers/resource-request.ts';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

test("an event picture of another datasource's camera is not found; its own is served", async () => {
  const fleet = new MemoryFleet();
  fleet.addCamera('mine', 'Mine', poll('mine', Date.now()));
  fleet.addCamera('theirs', 'Theirs', poll('theirs', Date.now()));
  const owner: Record<string, string> = { aaaaaaaaaaaaaaaa: 'mine', bbbbbbbbbbbbbbbb: 'theirs' };
  const reads: string[] = [];
  const pictures: EventPictureReader = {
    has: (id) => id in owner,
    cameraOf: (id) => owner[id],
    read: async (id) => (reads.push(id), JPEG),
  };
  const deps = {
    fleet: scopedFleet(fleet, (id) => id === 'mine'),
    log: createLogger('silent'),
    metricsText: async () => '',
    eventPictures: pictures,
  };
  const get = (path: string) => callResource(deps, resourceRequest('Viewer', path, { method: 'GET' }));
  const own = await get('events/aaaaaaaaaaaaaaaa/picture');
  assert.equal(own.code, 200);
  assert.deepEqual(own.body, JPEG);
  const other = await get('events/bbbbbbbbbbbbbbbb/picture');
  const none = await get('events/cccccccccccccccc/picture');
  assert.equal(other.code, 404);
  assert.equal(none.code, 404);
  assert.equal(
    other.body.toString().replace('bbbbbbbbbbbbbbbb', 'X'),
    none.body.toString().replace('cccccccccccccccc', 'X')
  );
  assert.deepEqual(reads, ['aaaaaaaaaaaaaaaa'], "another datasource's picture is never read");
});
