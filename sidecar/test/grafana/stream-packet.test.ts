/**
 * RunStream's hand-written StreamPacket encoding is what protobuf makes of the same packet (every
 * varint length class, and the empty packet), and the service definition uses it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as protoLoader from '@grpc/proto-loader';
import { allocPacketData, encodeStreamPacket, loadServices, protoDir } from '../../src/grafana/protocol.ts';

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
