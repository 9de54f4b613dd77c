/** The fMP4 initialisation segment (ftyp + moov) of one H.264 video track, with avcC from SPS/PPS. */
import { box, fullBox, u16, u32, u8 } from './boxes.ts';
import { parseSps } from './sps.ts';

/** Track timescale: RTP's 90 kHz clock, so access-unit times carry over unchanged. */
export const TIMESCALE = 90_000;
export const TRACK_ID = 1;

const MATRIX = u32(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);

/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1). */
export function avcC(sps: Buffer[], pps: Buffer[]): Buffer {
  if (sps.length === 0 || pps.length === 0) {
    throw new Error('an H.264 track needs at least one SPS and one PPS');
  }
  const first = parseSps(sps[0]);
  const list = (nals: Buffer[]) => nals.flatMap((n) => [u16(n.length), n]);
  const parts = [
    u8(1, sps[0][1], sps[0][2], sps[0][3], 0xff /* 4-byte NAL lengths */, 0xe0 | sps.length),
    ...list(sps),
    u8(pps.length),
    ...list(pps),
  ];
  if (![66, 77, 88].includes(first.profileIdc)) {
    parts.push(u8(0xfc | first.chromaFormatIdc, 0xf8 | (first.bitDepthLuma - 8), 0xf8 | (first.bitDepthChroma - 8), 0));
  }
  return box('avcC', ...parts);
}

function avc1(width: number, height: number, config: Buffer): Buffer {
  return box(
    'avc1',
    Buffer.alloc(6), // reserved
    u16(1), // data_reference_index
    u16(0, 0),
    u32(0, 0, 0),
    u16(width, height),
    u32(0x480000, 0x480000), // 72 dpi
    u32(0),
    u16(1), // frame_count
    Buffer.alloc(32), // compressorname
    u16(0x18, 0xffff),
    config
  );
}

/** The init segment for an H.264 track of the given size. */
export function initSegment(opts: { width: number; height: number; sps: Buffer[]; pps: Buffer[] }): Buffer {
  const { width, height } = opts;
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isomiso6avc1mp41', 'latin1'));
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    u32(0, 0, 1000, 0),
    u32(0x10000),
    u16(0x100, 0),
    u32(0, 0),
    MATRIX,
    Buffer.alloc(24),
    u32(TRACK_ID + 1)
  );
  const tkhd = fullBox(
    'tkhd',
    0,
    3, // enabled, in movie
    u32(0, 0, TRACK_ID, 0, 0),
    u32(0, 0),
    u16(0, 0, 0, 0),
    MATRIX,
    u32(width * 0x10000, height * 0x10000)
  );
  const mdhd = fullBox('mdhd', 0, 0, u32(0, 0, TIMESCALE, 0), u16(0x55c4 /* 'und' */, 0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), u32(0, 0, 0), Buffer.from('Video\0'));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), avc1(width, height, avcC(opts.sps, opts.pps))),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0, 0)),
    fullBox('stco', 0, 0, u32(0))
  );
  const minf = box('minf', fullBox('vmhd', 0, 1, u16(0, 0, 0, 0)), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(TRACK_ID, 1, 0, 0, 0)));
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}
