/**
 * The transport reads a socket's certificate once and keeps its fingerprint for the socket's life,
 * so the socket must not be able to change certificate under it: a renegotiation is refused (Node's
 * TLS client accepts one by default, and `disableRenegotiation()` guards only servers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { certificate } from '../../src/simulator/certs.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import { Transport } from '../../src/tapo/transport.ts';

test('a kept socket whose server asks to renegotiate fails the request instead of answering under the old pin', async (t) => {
  const cert = certificate('device-0');
  let requests = 0;
  const renegotiations: Array<Error | null> = [];
  const server = https.createServer({ key: cert.key, cert: cert.cert, maxVersion: 'TLSv1.2' }, (req, res) => {
    requests++;
    req.resume();
    if (requests === 1) {
      res.end('{"error_code":0}');
      return;
    }
    // Second request on the kept socket: renegotiate before answering.
    (req.socket as TLSSocket).renegotiate({}, (err) => {
      renegotiations.push(err);
      res.end('{"error_code":0}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  server.on('connection', (s) => t.after(() => s.destroy()));
  const transport = new Transport({
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    timeoutMs: 10_000,
    maxSockets: 1,
    expectedFingerprint: () => cert.fingerprint,
  });
  t.after(() => transport.close());
  const first = await transport.post('/', '{}');
  assert.equal(first.fingerprint, cert.fingerprint);
  const second = await transport.post('/', '{}').then(
    () => null,
    (e: unknown) => e
  );
  assert.ok(second instanceof TapoError, `the request failed: ${String(second)}`);
  assert.equal(second.kind, 'network');
  assert.equal(requests, 2, 'the second request reached the server on the kept socket');
  assert.ok(!renegotiations.includes(null), 'no renegotiation completed');
});
