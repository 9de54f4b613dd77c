/**
 * RunStream's hand-written StreamPacket encoding is what protobuf makes of the same packet (every
 * varint length class, and the empty packet), and the service definition uses it; packet buffers
 * are reused only once grpc-js has serialized them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import {
  allocPacketData,
  encodeStreamPacket,
  loadServices,
  packetPoolSize,
  protoDir,
} from '../../src/grafana/protocol.ts';
import { pluginClients } from '../helpers/grpc-client.ts';

test('StreamPacket bytes match protobuf for every length class, and RunStream uses them', () => {
  // The generic protobuf encoding of the same method, as proto-loader makes it.
  const def = protoLoader.loadSync('pluginv2.proto', { includeDirs: [protoDir()], keepCase: true, bytes: Buffer });
  const generic = (def['pluginv2.Stream'] as protoLoader.ServiceDefinition).RunStream as protoLoader.MethodDefinition<
    unknown,
    { data: Buffer }
  >;
  for (const n of [0, 1, 127, 128, 300, 16_383, 16_384, 131_072, 2_097_152]) {
    const data = randomBytes(n);
    const ours = encodeStreamPacket({ data });
    assert.deepEqual(ours, generic.responseSerialize({ data }), `${n} bytes`);
    assert.deepEqual(generic.responseDeserialize(ours).data, data);
  }
  assert.equal(encodeStreamPacket({}).length, 0);
  // Data written into allocPacketData gets its header in place (no copy), also when shortened;
  // a view into the middle of such a buffer is copied as any other data.
  for (const n of [0, 127, 128, 16_384, 2_097_152]) {
    const data = allocPacketData(n + 10);
    randomBytes(n + 10).copy(data);
    const short = data.subarray(0, n);
    const ours = encodeStreamPacket({ data: short });
    assert.equal(ours.buffer, data.buffer, `${n} bytes: written in place`);
    assert.deepEqual(ours, generic.responseSerialize({ data: Buffer.from(short) }), `${n} bytes in place`);
    const middle = data.subarray(3, 3 + Math.min(n, 7));
    const copied = encodeStreamPacket({ data: middle });
    assert.notEqual(copied.buffer, data.buffer);
    assert.deepEqual(copied, generic.responseSerialize({ data: Buffer.from(middle) }));
  }
  const runStream = loadServices().Stream.RunStream as protoLoader.MethodDefinition<unknown, { data: Buffer }>;
  const data = randomBytes(1000);
  assert.deepEqual(runStream.responseSerialize({ data }), encodeStreamPacket({ data }));
  assert.deepEqual(runStream.responseDeserialize(runStream.responseSerialize({ data })).data, data);
});

test('a packet buffer is reused once serialized, never while it waits to be', () => {
  const a = allocPacketData(10_000);
  const b = allocPacketData(10_000);
  assert.notEqual(a.buffer, b.buffer, 'two buffers out at once are distinct');
  const before = packetPoolSize();
  encodeStreamPacket({ data: a.subarray(0, 9000) });
  assert.equal(packetPoolSize(), before + 1, 'serialized: free for the next packet');
  const c = allocPacketData(12_000);
  assert.equal(c.buffer, a.buffer, 'the same size class gets the freed buffer');
  const d = allocPacketData(12_000);
  assert.notEqual(d.buffer, b.buffer, 'b is not serialized yet, so it is not handed out');
  assert.notEqual(d.buffer, c.buffer);
});

test('through grpc-js: bursts of pooled packets (some queued before they are serialized) arrive intact', async (t) => {
  const server = new grpc.Server();
  const COUNT = 300;
  const sizes = (i: number) => 100 + ((i * 7919) % 60_000);
  server.addService(loadServices().Stream, {
    RunStream: (call: grpc.ServerWritableStream<unknown, { data: Buffer }>) => {
      let i = 0;
      // Bursts of 20 writes in one go: grpc-js queues writes behind one in flight and serializes
      // them later, so a buffer must not be reused before that.
      const burst = () => {
        for (let k = 0; k < 20 && i < COUNT; k++, i++) {
          const data = allocPacketData(sizes(i));
          data.fill(i & 0xff);
          data.writeUInt32BE(i, 0);
          call.write({ data });
        }
        if (i < COUNT) {
          setImmediate(burst);
        } else {
          call.end();
        }
      };
      burst();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p)
    )
  );
  t.after(() => server.forceShutdown());
  const clients = pluginClients(`127.0.0.1:${port}`);
  t.after(() => clients.stream.close());
  const got: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const s = clients.stream.RunStream({ path: 'x' });
    s.on('data', (p: { data: Buffer }) => got.push(p.data));
    s.on('end', resolve);
    s.on('error', reject);
  });
  assert.equal(got.length, COUNT);
  got.forEach((data, i) => {
    assert.equal(data.length, sizes(i), `packet ${i}: length`);
    assert.equal(data.readUInt32BE(0), i, `packet ${i}: its own bytes, not a later packet's`);
    assert.ok(
      data.subarray(4).every((x) => x === (i & 0xff)),
      `packet ${i}: body intact`
    );
  });
  assert.ok(packetPoolSize() > 0, 'buffers went back to the pool');
});
