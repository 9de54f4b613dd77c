/** ffmpeg decodes what a camera sends: it runs with PATH and library paths, never the sidecar's secrets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { ffmpegEnv } from '../../src/media/child-env.ts';
import { nextEvent, until } from './helpers.ts';
import { pipelineSimulator } from './pipeline-sim.ts';

const garden = pipelineSimulator();

const SECRETS = {
  TAPO_SECRET_KEY: 'k3y-0f-the-s1decar-store-0123456789',
  TAPO_API_TOKEN: 'api-t0ken-0123456789abcdef',
  TAPO_GRPC_SECRET: 'grpc-l1nk-secret-0123456789',
};

test('ffmpegEnv keeps where programs and libraries are, and drops everything else', () => {
  const env = ffmpegEnv({ PATH: '/usr/bin', LD_LIBRARY_PATH: '/opt/lib', HOME: '/root', ...SECRETS, AWS_SECRET: 'x' });
  assert.deepEqual(env, { PATH: '/usr/bin', LD_LIBRARY_PATH: '/opt/lib' });
});

test("the pipeline's ffmpeg runs without the sidecar's secrets, and still makes pictures", async () => {
  const saved = Object.fromEntries(Object.keys(SECRETS).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SECRETS);
  const p = new FramePipeline({ idleMs: 100 });
  let pictures = 0;
  try {
    const started = nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    const un = p.subscribe(garden.source('env', 'stream2'), { fps: 2, width: 160 }, () => void pictures++);
    const { pid } = await started;
    // What the running child was given, as the kernel keeps it.
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
    const names = environ.map((e) => e.slice(0, e.indexOf('=')));
    assert.ok(names.includes('PATH'), 'ffmpeg keeps PATH');
    for (const [name, value] of Object.entries(SECRETS)) {
      assert.ok(!names.includes(name), `${name} is not passed to ffmpeg`);
      assert.ok(!environ.some((e) => e.includes(value)), `${name}'s value is nowhere in ffmpeg's environment`);
    }
    assert.deepEqual(
      names.filter((n) => !['PATH', 'LD_LIBRARY_PATH', 'TMPDIR'].includes(n)),
      []
    );
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    assert.ok(!cmdline.includes('V1ew'), 'nor is the camera account on its command line');
    await until(() => pictures > 0, 15_000, 'a picture from ffmpeg with the narrow environment');
    un();
  } finally {
    await p.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  }
});
