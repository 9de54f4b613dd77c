/** Motion events by ONVIF PullPoint (the camera client's OnvifEventClient), where a camera offers it. */
import type { MotionSourceFactory } from './motion.ts';
import { OnvifEventClient } from '../tapo/onvif.ts';

/**
 * Needs the camera account (ONVIF uses it, not the cloud password) and an ONVIF port. While the
 * subscription is up the fleet takes events from it; when it drops (the client retries on its
 * own) the fleet falls back to last-alarm polling.
 */
export const onvifMotionSourceFactory: MotionSourceFactory = (camera, cb) => {
  if (!camera.cameraAccount || !camera.cameraPassword || camera.onvifPort === null) {
    return null;
  }
  const client = new OnvifEventClient({
    host: camera.host,
    port: camera.onvifPort,
    username: camera.cameraAccount,
    password: camera.cameraPassword,
    cameraId: camera.id,
    onEvent: (e) => cb.event({ start: e.start, end: e.end, kind: e.kind }),
    onState: (s) => cb.state(s === 'subscribed', s),
  });
  client.start();
  return { source: 'onvif', delivers: (kind) => client.delivers(kind), stop: () => client.stop() };
};
