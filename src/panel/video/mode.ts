/** Which way a tile shows its camera: the camera's own video through MSE, or JPEG pictures, and why. */

export type LiveMode = 'video' | 'pictures';

export interface MseSupport {
  /** MediaSource exists in this browser. */
  available: boolean;
  isTypeSupported(mime: string): boolean;
}

export function browserMse(): MseSupport {
  const MS = typeof window !== 'undefined' ? window.MediaSource : undefined;
  return {
    available: typeof MS === 'function',
    isTypeSupported: (mime) => (typeof MS === 'function' ? MS.isTypeSupported(mime) : false),
  };
}

export const mimeOf = (codec: string) => `video/mp4; codecs="${codec}"`;

export interface ModeChoice {
  mode: LiveMode;
  /** Why pictures are shown when video was wanted. */
  reason?: string;
}

/**
 * Video when it is wanted and plays here; pictures otherwise, saying why. `codec` is what the
 * channel said: an MSE codec string, or 'h265' when the camera's codec cannot be played.
 */
export function chooseMode(opts: {
  preferred: LiveMode;
  mse: MseSupport;
  codec?: string;
  /** The channel said there is no video for this camera (and why). */
  unavailable?: string;
}): ModeChoice {
  if (opts.preferred === 'pictures') {
    return { mode: 'pictures' };
  }
  if (!opts.mse.available) {
    return {
      mode: 'pictures',
      reason: 'This browser cannot play video (no Media Source Extensions): showing pictures',
    };
  }
  const codec = opts.codec;
  if (codec === 'h265' || codec === 'hevc') {
    return { mode: 'pictures', reason: 'H.265 video is not playable in the browser: showing pictures' };
  }
  if (opts.unavailable) {
    return { mode: 'pictures', reason: `No video (${opts.unavailable}): showing pictures` };
  }
  if (codec && !opts.mse.isTypeSupported(mimeOf(codec))) {
    return { mode: 'pictures', reason: `This browser cannot play ${codec}: showing pictures` };
  }
  return { mode: 'video' };
}
