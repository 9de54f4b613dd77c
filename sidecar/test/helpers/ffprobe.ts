/** What ffprobe reads in a file a test wrote: the independent check that video decodes. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * ffprobe's JSON answer for `file`, showing `entries` (its `-show_entries`, such as
 * `frame=key_frame,width`); `countFrames` decodes every frame first (for `nb_read_frames`).
 */
export async function ffprobeJson<T>(file: string, entries: string, opts: { countFrames?: boolean } = {}): Promise<T> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', ...(opts.countFrames ? ['-count_frames'] : []), '-show_entries', entries],
    ...['-of', 'json', file],
  ]);
  return JSON.parse(stdout) as T;
}
