/**
 * The environment ffmpeg runs with. ffmpeg decodes whatever a camera sends, so it gets only what
 * finding and loading the program needs: never the sidecar's own keys and tokens
 * (TAPO_SECRET_KEY, TAPO_API_TOKEN, TAPO_GRPC_SECRET) or anything else it was started with.
 */

/** Variables passed on when set: where programs and shared libraries are, and scratch space. */
const PASSED = ['PATH', 'LD_LIBRARY_PATH', 'TMPDIR'] as const;

export function ffmpegEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const name of PASSED) {
    const v = env[name];
    if (v !== undefined) {
      out[name] = v;
    }
  }
  return out;
}
