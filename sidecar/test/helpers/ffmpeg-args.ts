/**
 * ffmpeg argument runs the tests and benches share: a quiet start that never reads the terminal,
 * a camera stream read over RTSP/TCP, a synthetic picture source, and JPEGs written to stdout.
 */

/** No banner, no stdin, errors only. */
export const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

/** Reads `url` over RTSP interleaved in TCP (what the sidecar's ffmpeg does); `before` goes ahead of `-i`. */
export const rtspTcpInput = (url: string, before: string[] = []) => ['-rtsp_transport', 'tcp', ...before, '-i', url];

/** A lavfi test source such as `testsrc=size=352x198:rate=5`. */
export const lavfiInput = (source: string) => ['-f', 'lavfi', '-i', source];

/** Full-range MJPEG pictures, one after another, on stdout. */
export const JPEGS_TO_STDOUT = ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-f', 'image2pipe', 'pipe:1'];
