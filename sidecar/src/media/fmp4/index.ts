/** fMP4 (ISO-BMFF fragmented MP4) packaging of H.264 for Media Source Extensions. */
export { readBoxes, type BoxView } from './boxes.ts';
export { avcC, initSegment, TIMESCALE } from './init.ts';
export { fragment, type Sample } from './fragment.ts';
export { avcCodecString, parseSps, type H264Sps } from './sps.ts';
export { Fmp4Muxer, packageInfo, UnsupportedCodecError, type Packaged } from './muxer.ts';
