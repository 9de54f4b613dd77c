/**
 * RunStream's hand-written StreamPacket encoding is what protobuf makes of the same packet (every
 * varint length class, and the empty packet), and the service definition uses it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as protoLoader from '@grpc/proto-loader';
import { encodeStreamPacket, loadServices, protoDir } from '../../src/grafana/protocol.ts';

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
  const runStream = loadServices().Stream.RunStream as protoLoader.MethodDefinition<unknown, { data: Buffer }>;
  const data = randomBytes(1000);
  assert.deepEqual(runStream.responseSerialize({ data }), encodeStreamPacket({ data }));
  assert.deepEqual(runStream.responseDeserialize(runStream.responseSerialize({ data })).data, data);
});
