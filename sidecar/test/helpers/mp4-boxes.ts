/**
 * The top-level box types of an MP4 file, in order: what a test checks of a file's layout
 * (progressive or fragmented). Read here, apart from the sidecar's own box reader, so a test does
 * not lean on the code it checks.
 */
export function topLevelBoxes(mp4: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 8 <= mp4.length; ) {
    const size = mp4.readUInt32BE(at);
    out.push(mp4.toString('latin1', at + 4, at + 8));
    if (size < 8) {
      break;
    }
    at += size;
  }
  return out;
}
