/**
 * Whether ffmpeg runs, for the sidecar's own health in Save & test: asked at most once a minute,
 * because Save & test is pressed often and starting ffmpeg is not free.
 */
import { checkFfmpeg } from '../media/ffmpeg.ts';

/** The problem in words (null: ffmpeg runs), asked at most once a minute. */
export function ffmpegChecker(ffmpegPath: string): () => Promise<string | null> {
  let checked: { at: number; problem: string | null } | null = null;
  return async () => {
    if (!checked || Date.now() - checked.at > 60_000) {
      const r = await checkFfmpeg(ffmpegPath);
      checked = {
        at: Date.now(),
        problem: r.ok ? null : `${r.error.message}: live view and snapshots are unavailable`,
      };
    }
    return checked.problem;
  };
}
