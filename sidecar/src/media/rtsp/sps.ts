/**
 * Picture size from a sequence parameter set (H.264 ITU-T H.264 §7.3.2.1.1, H.265 §7.3.2.2):
 * just enough of the bit syntax to reach the coded size and the cropping window.
 */

/** The NAL unit's payload without emulation prevention bytes (00 00 03 → 00 00). */
export function unescapeRbsp(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  let zeros = 0;
  for (const b of nal) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

class Bits {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.pos >> 3];
      if (byte === undefined) {
        throw new RangeError('SPS ends early');
      }
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) {
        throw new RangeError('bad Exp-Golomb code in SPS');
      }
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export interface PictureSize {
  width: number;
  height: number;
}

/** Width and height of an H.264 SPS NAL unit (with its one-byte header); null when unreadable. */
export function h264SpsSize(nal: Buffer): PictureSize | null {
  try {
    const r = new Bits(unescapeRbsp(nal.subarray(1)));
    const profile = r.u(8);
    r.u(16); // constraint flags, level
    r.ue(); // seq_parameter_set_id
    let chroma = 1;
    if (HIGH_PROFILES.has(profile)) {
      chroma = r.ue();
      if (chroma === 3) {
        r.u(1);
      }
      r.ue();
      r.ue();
      r.u(1);
      if (r.u(1)) {
        for (let i = 0; i < (chroma !== 3 ? 8 : 12); i++) {
          if (r.u(1)) {
            let last = 8;
            let next = 8;
            for (let j = 0; j < (i < 6 ? 16 : 64); j++) {
              if (next !== 0) {
                next = (last + r.se() + 256) % 256;
              }
              last = next === 0 ? last : next;
            }
          }
        }
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) {
      r.ue();
    } else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const n = r.ue();
      for (let i = 0; i < n; i++) {
        r.se();
      }
    }
    r.ue(); // max_num_ref_frames
    r.u(1);
    const wMbs = r.ue() + 1;
    const hMaps = r.ue() + 1;
    const frameMbsOnly = r.u(1);
    if (!frameMbsOnly) {
      r.u(1);
    }
    r.u(1);
    let [cl, cr, ct, cb] = [0, 0, 0, 0];
    if (r.u(1)) {
      [cl, cr, ct, cb] = [r.ue(), r.ue(), r.ue(), r.ue()];
    }
    const subW = chroma === 1 || chroma === 2 ? 2 : 1;
    const subH = chroma === 1 ? 2 : 1;
    const unitX = chroma === 0 ? 1 : subW;
    const unitY = (chroma === 0 ? 1 : subH) * (2 - frameMbsOnly);
    const width = wMbs * 16 - unitX * (cl + cr);
    const height = (2 - frameMbsOnly) * hMaps * 16 - unitY * (ct + cb);
    return width > 0 && height > 0 ? { width, height } : null;
  } catch {
    return null;
  }
}

function skipProfileTierLevel(r: Bits, maxSubLayersMinus1: number): void {
  r.u(8); // profile space, tier, profile idc
  r.u(32); // compatibility flags
  r.u(48); // progressive..reserved bits (4 + 43 + 1)
  r.u(8); // level
  const profilePresent: number[] = [];
  const levelPresent: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.u(1));
    levelPresent.push(r.u(1));
  }
  if (maxSubLayersMinus1 > 0) {
    for (let i = maxSubLayersMinus1; i < 8; i++) {
      r.u(2);
    }
  }
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) {
      r.u(88);
    }
    if (levelPresent[i]) {
      r.u(8);
    }
  }
}

/** Width and height of an H.265 SPS NAL unit (with its two-byte header); null when unreadable. */
export function h265SpsSize(nal: Buffer): PictureSize | null {
  try {
    const r = new Bits(unescapeRbsp(nal.subarray(2)));
    r.u(4);
    const maxSubLayersMinus1 = r.u(3);
    r.u(1);
    skipProfileTierLevel(r, maxSubLayersMinus1);
    r.ue();
    const chroma = r.ue();
    if (chroma === 3) {
      r.u(1);
    }
    let width = r.ue();
    let height = r.ue();
    if (r.u(1)) {
      const subW = chroma === 1 || chroma === 2 ? 2 : 1;
      const subH = chroma === 1 ? 2 : 1;
      const [l, rt, t, b] = [r.ue(), r.ue(), r.ue(), r.ue()];
      width -= subW * (l + rt);
      height -= subH * (t + b);
    }
    return width > 0 && height > 0 ? { width, height } : null;
  } catch {
    return null;
  }
}
