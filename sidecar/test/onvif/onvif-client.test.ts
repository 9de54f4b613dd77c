/** The ONVIF PullPoint client against the simulated camera's ONVIF endpoint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OnvifEventClient, type OnvifEvent, type OnvifClientOptions } from '../../src/tapo/onvif.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import { startSimOnvifServer, type SimOnvifOptions, type SimOnvifServer } from '../../src/simulator/onvif.ts';
import { nextEvent, deadline } from '../media/helpers.ts';

const ACCOUNT = { username: 'onvifuser', password: 'On<v>if&Pass:1' };

async function setup(simOpts: Partial<SimOnvifOptions> = {}, clientOpts: Partial<OnvifClientOptions> = {}) {
  const camera = new EventEmitter();
  const sim = await startSimOnvifServer({ name: 'Yard', ...ACCOUNT, events: camera, ...simOpts });
  const out = new EventEmitter();
  const client = new OnvifEventClient({
    host: '127.0.0.1',
    port: sim.port,
    ...ACCOUNT,
    cameraId: 'yard',
    pullTimeoutSec: 2,
    retryInitialMs: 50,
    onEvent: (e) => out.emit('event', e),
    onError: (e) => out.emit('error-report', e),
    onState: (s) => out.emit('state', s),
    ...clientOpts,
  });
  const motion = (kind: 'motion' | 'person', start: number, end: number | null) =>
    camera.emit('motion', { kind, start, end });
  return { camera, sim, client, out, motion };
}

async function teardown(sim: SimOnvifServer, client: OnvifEventClient) {
  await client.stop();
  await sim.close();
}

test('motion and person events arrive as start/end pairs on our clock', async () => {
  const { sim, client, out, motion } = await setup({ clockOffsetMs: 3600_000 });
  try {
    const subscribed = nextEvent(out, 'state', 10_000, (s) => s === 'subscribed');
    client.start();
    await subscribed;
    const events: OnvifEvent[] = [];
    out.on('event', (e: OnvifEvent) => events.push(e));

    const t0 = Date.now();
    const started = nextEvent<OnvifEvent>(out, 'event', 10_000, (e) => e.kind === 'motion' && e.phase === 'start');
    motion('motion', t0, null);
    const s = await started;
    // The camera's clock is an hour ahead; the client maps its stamps back to ours.
    assert.ok(Math.abs(s.start - t0) < 2000, `start ${s.start - t0} ms off`);
    assert.equal(s.end, null);

    const ended = nextEvent<OnvifEvent>(out, 'event', 10_000, (e) => e.kind === 'motion' && e.phase === 'end');
    motion('motion', t0, t0 + 1500);
    const e = await ended;
    assert.equal(e.start, s.start);
    assert.ok(e.end !== null && e.end >= e.start);

    const personStart = nextEvent<OnvifEvent>(out, 'event', 10_000, (x) => x.kind === 'person' && x.phase === 'start');
    const personEnd = nextEvent<OnvifEvent>(out, 'event', 10_000, (x) => x.kind === 'person' && x.phase === 'end');
    const t1 = Date.now();
    motion('person', t1, null);
    motion('person', t1, t1 + 700);
    const [ps, pe] = await Promise.all([personStart, personEnd]);
    assert.equal(pe.start, ps.start);
    assert.deepEqual(
      events.map((x) => `${x.kind}:${x.phase}`),
      ['motion:start', 'motion:end', 'person:start', 'person:end']
    );
    assert.equal(client.stats().subscriptions, 1);
  } finally {
    await teardown(sim, client);
  }
});

test('a wrong password is auth_failed, reported once, with no secret in it', async () => {
  const wrong = 'Wr0ng&Secret';
  const { sim, client, out } = await setup({}, { password: wrong, authRetryMs: 60_000 });
  try {
    let simFailures = 0;
    sim.events.on('authFailure', () => simFailures++);
    const reported = nextEvent<TapoError>(out, 'error-report', 10_000);
    client.start();
    const err = await reported;
    assert.ok(err instanceof TapoError);
    assert.equal(err.kind, 'auth_failed');
    assert.match(err.message, /refused the camera account/);
    for (const s of [wrong, ACCOUNT.password]) {
      assert.ok(!err.message.includes(s) && !JSON.stringify(err).includes(s));
    }
    assert.equal(client.state, 'retrying');
    assert.equal(simFailures, 1, 'one failed request, then a long wait (no hammering)');
    assert.equal(client.stats().errors, 1);
    assert.equal(sim.subscriptionCount(), 0);
  } finally {
    await teardown(sim, client);
  }
});

test('after the camera expires the subscription the client subscribes again and events keep flowing', async () => {
  const { sim, client, out, motion } = await setup();
  try {
    const first = nextEvent<{ id: number }>(sim.events, 'subscribe', 10_000);
    client.start();
    const a = await first;
    await nextEvent(sim.events, 'pull', 10_000);
    const second = nextEvent<{ id: number }>(sim.events, 'subscribe', 10_000);
    const resubscribed = nextEvent(out, 'state', 10_000, (s) => s === 'subscribed');
    sim.expireAll();
    const b = await second;
    await resubscribed;
    assert.notEqual(b.id, a.id);
    assert.equal(client.stats().subscriptions, 2);
    const got = nextEvent<OnvifEvent>(out, 'event', 10_000, (e) => e.phase === 'start');
    motion('motion', Date.now(), null);
    assert.equal((await got).kind, 'motion');
    assert.equal(client.stats().errors, 0, 'a lost subscription is routine, not an error');
  } finally {
    await teardown(sim, client);
  }
});

test('the subscription is renewed before it expires', async () => {
  const { sim, client } = await setup({}, { subscriptionSec: 4, pullTimeoutSec: 1 });
  try {
    const renewed = nextEvent<{ id: number }>(sim.events, 'renew', 10_000);
    client.start();
    const r = await renewed;
    // The next pull comes after the client has taken the renewal in.
    await nextEvent(sim.events, 'pull', 10_000);
    assert.equal(r.id, 1);
    assert.equal(sim.subscriptionCount(), 1);
    assert.ok(client.stats().renewals >= 1);
    assert.equal(client.stats().subscriptions, 1);
  } finally {
    await teardown(sim, client);
  }
});

test('stop() interrupts a long poll promptly and unsubscribes', async () => {
  const { sim, client, out } = await setup({ maxPullWaitMs: 30_000 }, { pullTimeoutSec: 20 });
  try {
    const subscribed = nextEvent(out, 'state', 10_000, (s) => s === 'subscribed');
    client.start();
    await subscribed;
    await nextEvent(sim.events, 'pull', 10_000); // the Initialized messages; the next pull waits
    const unsub = nextEvent(sim.events, 'unsubscribe', 5000);
    await deadline(client.stop(), 3000, 'stop during a 20 s long poll');
    await unsub;
    assert.equal(sim.subscriptionCount(), 0);
    assert.equal(client.state, 'stopped');
  } finally {
    await sim.close();
  }
});

/** A client of the camera on `port` that collects its error reports; `reported` resolves at the `n`th. */
function reportingClient(port: number, n: number, over: Partial<OnvifClientOptions>) {
  const errs: TapoError[] = [];
  let done!: () => void;
  const reported = new Promise<void>((r) => (done = r));
  const client = new OnvifEventClient({
    host: '127.0.0.1',
    port,
    ...ACCOUNT,
    ...over,
    onError: (e) => {
      errs.push(e);
      if (errs.length === n) {
        done();
      }
    },
  });
  return { client, errs, reported };
}

test('an unreachable camera is a network error and the client keeps retrying', async () => {
  const { sim } = await setup();
  const port = sim.port;
  await sim.close();
  const { client, errs, reported } = reportingClient(port, 3, { retryInitialMs: 20, retryMaxMs: 40 });
  try {
    client.start();
    await deadline(reported, 5000, 'three failed attempts');
    assert.ok(
      errs.every((e) => e instanceof TapoError && e.kind === 'network'),
      errs.map((e) => e.message).join('; ')
    );
    assert.match(errs[0].message, /cannot reach 127\.0\.0\.1/);
  } finally {
    await client.stop();
  }
  assert.equal(client.state, 'stopped');
});

/** A stranger on port 0 that answers every SOAP request with `body`. */
async function hostileCamera(body: string): Promise<{ server: Server; port: number; requests: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, requests: () => n };
}

test('a camera answering malformed or hostile XML is a protocol error per answer, and the client keeps going', async () => {
  const lol =
    '<!ENTITY a "aaaaaaaaaa">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY a${i + 1} "${`&a${i || ''};`.repeat(10)}">`).join('');
  const answers = {
    'entity bomb': `<?xml version="1.0"?><!DOCTYPE e [${lol}]><s:Envelope xmlns:s="x"><s:Body>&a9;</s:Body></s:Envelope>`,
    'external entity': '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><Envelope><Body>&x;</Body></Envelope>',
    truncated: '<s:Envelope xmlns:s="x"><s:Body><tds:GetCapabilitiesResponse>',
    mismatched: '<Envelope><Body></Envelope></Body>',
    'nested too deep': '<Envelope><Body>' + '<a>'.repeat(5000) + '</a>'.repeat(5000) + '</Body></Envelope>',
    'not XML': '\u0000\u00ff{"error_code": -1}',
  };
  for (const [what, body] of Object.entries(answers)) {
    const cam = await hostileCamera(body);
    const { client, errs, reported } = reportingClient(cam.port, 2, {
      cameraId: 'stranger',
      retryInitialMs: 10,
      retryMaxMs: 20,
    });
    try {
      client.start();
      await deadline(reported, 5000, `two reports for ${what}`);
    } finally {
      await client.stop();
      cam.server.close();
    }
    for (const e of errs) {
      assert.ok(e instanceof TapoError && e.kind === 'protocol', `${what}: ${e.kind} ${e.message}`);
      assert.match(e.message, /^ONVIF stranger: unreadable answer \(HTTP 200, /, what);
      assert.ok(!e.message.includes(ACCOUNT.password), 'no secret in the error');
    }
    assert.ok(cam.requests() >= 4, `${what}: the client kept asking (${cam.requests()} requests)`);
    assert.equal(client.state, 'stopped');
  }
});

test('pulls ride one kept-alive connection per port, and no listener piles up per pull on either side', async () => {
  // The camera answers every pull at once (as when events flow), so pulls follow each other closely.
  const { sim, client, out } = await setup({ maxPullWaitMs: 2 });
  const pulls = (n: number) => {
    let seen = 0;
    return nextEvent(sim.events, 'pull', 20_000, () => ++seen >= n);
  };
  try {
    const subscribed = nextEvent(out, 'state', 10_000, (s) => s === 'subscribed');
    client.start();
    await subscribed;
    await pulls(20);
    const early = { connections: sim.connectionCount(), listeners: sim.socketCloseListeners() };
    await pulls(200);
    assert.ok(client.stats().pulls >= 200, `pulls: ${client.stats().pulls}`);
    // The device service's socket and the subscription's: no new connection per pull.
    assert.ok(sim.connectionCount() <= 2, `connections: ${sim.connectionCount()}`);
    assert.equal(sim.connectionCount(), early.connections, 'no connection after the 20th pull');
    assert.equal(sim.socketCloseListeners(), early.listeners, "the camera's sockets hold as many listeners as before");
  } finally {
    await teardown(sim, client);
  }
});
