import { chooseMode, type MseSupport } from './mode';

const mse = (supported: string[] = ['avc1.64001e', 'avc1.42c01e']): MseSupport => ({
  available: true,
  isTypeSupported: (mime) => supported.some((c) => mime === `video/mp4; codecs="${c}"`),
});
const noMse: MseSupport = { available: false, isTypeSupported: () => false };

describe('chooseMode', () => {
  it('plays video where it is wanted and the browser plays the codec', () => {
    expect(chooseMode({ preferred: 'video', mse: mse() })).toEqual({ mode: 'video' });
    expect(chooseMode({ preferred: 'video', mse: mse(), codec: 'avc1.64001e' })).toEqual({ mode: 'video' });
  });

  it('shows pictures without excuse when pictures are asked for', () => {
    expect(chooseMode({ preferred: 'pictures', mse: mse(), codec: 'avc1.64001e' })).toEqual({ mode: 'pictures' });
  });

  it('falls back to pictures and says why: no MSE, H.265, a codec the browser refuses, no video at all', () => {
    expect(chooseMode({ preferred: 'video', mse: noMse })).toEqual({
      mode: 'pictures',
      reason: 'This browser cannot play video (no Media Source Extensions): showing pictures',
    });
    expect(chooseMode({ preferred: 'video', mse: mse(), codec: 'h265' }).reason).toBe(
      'H.265 video is not playable in the browser: showing pictures'
    );
    expect(chooseMode({ preferred: 'video', mse: mse(), codec: 'avc1.640033' })).toEqual({
      mode: 'pictures',
      reason: 'This browser cannot play avc1.640033: showing pictures',
    });
    expect(chooseMode({ preferred: 'video', mse: mse(), unavailable: 'this camera has no video stream' }).reason).toBe(
      'No video (this camera has no video stream): showing pictures'
    );
  });
});
