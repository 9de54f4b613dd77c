/**
 * The parts of a DESCRIBE answer (SDP, RFC 4566) a video client needs: the first video track's
 * payload type, codec, control URL, frame rate and parameter sets (sprop-parameter-sets for H.264,
 * sprop-vps/sps/pps for H.265).
 */
import type { VideoCodec } from '../video/types.ts';

export interface VideoTrack {
  codec: VideoCodec;
  payloadType: number;
  clockRate: number;
  control: string;
  fps?: number;
  profileLevelId?: string;
  sps: Buffer[];
  pps: Buffer[];
  vps: Buffer[];
}

export type SdpResult = { ok: true; track: VideoTrack } | { ok: false; reason: string };

function b64list(v: string | undefined): Buffer[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => Buffer.from(s, 'base64'))
    .filter((b) => b.length > 0);
}

/** The first H.264/H.265 video track, resolved against `base` (Content-Base or the request URL). */
export function parseSdp(text: string, base: string): SdpResult {
  const lines = text.split(/\r?\n/);
  let inVideo = false;
  let media: { pts: number[] } | null = null;
  const rtpmap = new Map<number, { name: string; rate: number }>();
  const fmtp = new Map<number, Map<string, string>>();
  let control: string | null = null;
  let sessionControl: string | null = null;
  let fps: number | undefined;
  let sawVideo = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (media && inVideo) {
        break; // first video track only
      }
      inVideo = /^m=video\s/.test(line);
      if (inVideo) {
        sawVideo = true;
        media = { pts: line.split(/\s+/).slice(3).map(Number) };
      }
      continue;
    }
    const a = /^a=([a-zA-Z-]+):(.*)$/.exec(line);
    if (!a) {
      continue;
    }
    const [, key, value] = a;
    if (!media) {
      if (key === 'control') {
        sessionControl = value.trim();
      }
      continue;
    }
    if (!inVideo) {
      continue;
    }
    if (key === 'rtpmap') {
      const m = /^(\d+)\s+([^/\s]+)\/(\d+)/.exec(value);
      if (m) {
        rtpmap.set(Number(m[1]), { name: m[2].toUpperCase(), rate: Number(m[3]) });
      }
    } else if (key === 'fmtp') {
      const m = /^(\d+)\s+(.*)$/.exec(value);
      if (m) {
        const params = new Map<string, string>();
        for (const part of m[2].split(';')) {
          const i = part.indexOf('=');
          if (i > 0) {
            params.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
          }
        }
        fmtp.set(Number(m[1]), params);
      }
    } else if (key === 'control') {
      control = value.trim();
    } else if (key === 'framerate') {
      const f = Number(value);
      fps = Number.isFinite(f) && f > 0 ? f : undefined;
    }
  }
  if (!sawVideo || !media) {
    return { ok: false, reason: 'the stream has no video track' };
  }
  for (const pt of media.pts) {
    const map = rtpmap.get(pt);
    if (!map || (map.name !== 'H264' && map.name !== 'H265')) {
      continue;
    }
    const f = fmtp.get(pt) ?? new Map<string, string>();
    const h264 = map.name === 'H264';
    const sets = h264 ? b64list(f.get('sprop-parameter-sets')) : [];
    const track: VideoTrack = {
      codec: h264 ? 'h264' : 'h265',
      payloadType: pt,
      clockRate: map.rate,
      control: resolveControl(base, control ?? sessionControl ?? '*'),
      sps: h264 ? sets.filter((n) => (n[0] & 0x1f) === 7) : b64list(f.get('sprop-sps')),
      pps: h264 ? sets.filter((n) => (n[0] & 0x1f) === 8) : b64list(f.get('sprop-pps')),
      vps: h264 ? [] : b64list(f.get('sprop-vps')),
    };
    if (fps !== undefined) {
      track.fps = fps;
    }
    const pli = f.get('profile-level-id');
    if (pli) {
      track.profileLevelId = pli;
    }
    return { ok: true, track };
  }
  const names = [...rtpmap.values()].map((m) => m.name).join(', ') || 'unknown';
  return { ok: false, reason: `the video is not H.264 or H.265 (${names.replace(/[^\w., -]/g, '?').slice(0, 60)})` };
}

function resolveControl(base: string, control: string): string {
  if (control === '*' || control === '') {
    return base;
  }
  if (/^rtsps?:\/\//i.test(control)) {
    return control;
  }
  return base.endsWith('/') ? base + control : `${base}/${control}`;
}
