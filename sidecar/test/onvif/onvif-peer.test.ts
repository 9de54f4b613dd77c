/**
 * Peer test: the `onvif` npm package (an independent ONVIF client) talks to our simulated camera:
 * clock, capabilities, a PullPoint subscription, a motion notification, renew, unsubscribe. This
 * shows the simulator speaks ONVIF as other clients expect, so our client's tests against it mean
 * something.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import onvif from 'onvif';
import { startSimOnvifServer } from '../../src/simulator/onvif.ts';

type Cb<T> = (err: Error | null, data: T, xml?: string) => void;
// The package is untyped CommonJS with callback methods.
interface PeerCam {
  uri: Record<string, { href: string; port: string }>;
  events: { subscription?: { subscriptionReference: { address: { href: string } } } };
  getSystemDateAndTime(cb: Cb<Date>): void;
  getCapabilities(cb: Cb<unknown>): void;
  createPullPointSubscription(cb: Cb<unknown>): void;
  pullMessages(opts: { messageLimit?: number }, cb: Cb<any>): void;
  renew(opts: object, cb: Cb<unknown>): void;
  unsubscribe(cb: Cb<unknown>, preserveListeners?: boolean): void;
}
const call = <T>(fn: (cb: Cb<T>) => void) =>
  new Promise<T>((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

test('the onvif npm client subscribes to the simulator and pulls a Tapo motion event', async () => {
  const camera = new EventEmitter();
  const account = { username: 'peeruser', password: 'PeerPass9' };
  const sim = await startSimOnvifServer({ name: 'Peer', ...account, events: camera });
  try {
    const cam = new (onvif as unknown as { Cam: new (o: object) => PeerCam }).Cam({
      hostname: '127.0.0.1',
      port: sim.port,
      ...account,
      autoconnect: false,
      timeout: 5000,
    });
    const date = await call<Date>((cb) => cam.getSystemDateAndTime(cb));
    assert.ok(Math.abs(date.getTime() - Date.now()) < 5000);
    await call((cb) => cam.getCapabilities(cb));
    assert.equal(cam.uri.events.href, `http://127.0.0.1:${sim.port}/onvif/service`);
    await call((cb) => cam.createPullPointSubscription(cb));
    const address = cam.events.subscription!.subscriptionReference.address.href;
    assert.match(address, new RegExp(`^http://127\\.0\\.0\\.1:${sim.eventPort}/event-`));
    // First pull: the Initialized state of both topics.
    const init = await call<any>((cb) => cam.pullMessages({ messageLimit: 10 }, cb));
    const initMsgs = asArray(init.notificationMessage);
    assert.equal(initMsgs.length, 2);
    const now = Date.now();
    camera.emit('motion', { kind: 'motion', start: now, end: null });
    const got = await call<any>((cb) => cam.pullMessages({ messageLimit: 10 }, cb));
    const [m] = asArray(got.notificationMessage);
    const topic = typeof m.topic === 'string' ? m.topic : m.topic._;
    assert.equal(topic, 'tns1:RuleEngine/CellMotionDetector/Motion');
    const data = m.message.message.data.simpleItem.$;
    assert.deepEqual(data, { Name: 'IsMotion', Value: true }); // the package turns 'true' into a boolean
    assert.equal(m.message.message.$.PropertyOperation, 'Changed');
    const renewed = new Promise((r) => sim.events.once('renew', r));
    await call((cb) => cam.renew({}, cb));
    await renewed;
    await call((cb) => cam.unsubscribe(cb));
    assert.equal(sim.subscriptionCount(), 0);
  } finally {
    await sim.close();
  }
});

test('the onvif npm client with a wrong password gets the NotAuthorized fault', async () => {
  const camera = new EventEmitter();
  const sim = await startSimOnvifServer({ name: 'Peer', username: 'peeruser', password: 'PeerPass9', events: camera });
  try {
    const cam = new (onvif as unknown as { Cam: new (o: object) => PeerCam }).Cam({
      hostname: '127.0.0.1',
      port: sim.port,
      username: 'peeruser',
      password: 'nope',
      autoconnect: false,
      timeout: 5000,
    });
    await assert.rejects(
      call((cb) => cam.getCapabilities(cb)),
      /Not Authorized|NotAuthorized/i
    );
  } finally {
    await sim.close();
  }
});
