/**
 * A battery camera behind a hub records onto its own SD card (recordings sheet §0, the controlChild
 * path): the searches go through controlChild (pytapo's wrapping) and the clip comes from the
 * hub's port 8800 with the child's device id in the request (`type=sdvod`), with the hub's
 * Digest and session encryption, as a camera's own clip does.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as m from '../../src/tapo/methods.ts';
import { RecordingsSearch, type RecordingsApi } from '../../src/tapo/recordings.ts';
import { RecordingSession } from '../../src/media/hubstream/recording-session.ts';
import type { MediaError } from '../../src/media/types.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';
import { startHubWithClient } from '../helpers/sim-hub.ts';

const { hub, client, close } = await startHubWithClient();
after(close);

/** The recordings search's view of a child: every request relayed by the hub's controlChild. */
function childApi(deviceId: string): RecordingsApi {
  const one = async <T>(req: ReturnType<typeof m.req.sdCard>, decode: (r: unknown) => T) => {
    const [sub] = await client.callChild(deviceId, [req]);
    assert.equal(sub!.errorCode, 0, `${req.method} through controlChild`);
    return decode(sub!.result);
  };
  return {
    multipleRequest: (requests) => client.callChild(deviceId, requests),
    getSdCard: () => one(m.req.sdCard(), m.decodeSdCard),
    getTimezone: () => one(m.req.timezone(), m.decodeTimezone),
  };
}

test("a hub child's clips through controlChild, and its clip from the hub's port 8800", async () => {
  const child = hub.child('Garden');
  child.card.clear();
  const w = dayWindow('Europe/Berlin', '20260704');
  child.card.record({ start: w.start + 3600, end: w.start + 3602, videoType: 2, events: [2, 6] });
  const search = new RecordingsSearch(childApi(child.deviceId), '0123456789ABCDEF0123456789ABCDEF');
  assert.equal(await search.zone(), 'Europe/Berlin');
  assert.deepEqual(await search.days('20260701', '20260731'), ['20260704']);
  const clips = await search.clipsOfDay('20260704', 'Europe/Berlin');
  assert.deepEqual(clips, [{ start: w.start + 3600, end: w.start + 3602, videoType: 2, events: [6, 2] }]);

  let aus = 0;
  const outcome = await new Promise<MediaError | null>((resolve, reject) => {
    const session = new RecordingSession({
      cameraId: 'hub.garden',
      host: hub.host,
      port: hub.streamServer!.port,
      password: hub.cloudPassword,
      deviceId: child.deviceId,
      mode: 'download',
      start: clips[0].start,
      end: clips[0].end,
      timeoutMs: 5000,
      onInfo: () => undefined,
      onAccessUnit: () => void aus++,
      onDone: () => resolve(null),
      onEnd: (e) => resolve(e),
    });
    session.start().catch(reject);
  });
  assert.equal(outcome, null, 'the whole clip came');
  // 3 s at 15 fps.
  assert.ok(aus >= 44 && aus <= 45, `${aus} pictures`);
});
