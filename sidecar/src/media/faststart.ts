/**
 * A fragmented MP4 (our fMP4: init segment, then fragments) made a regular, progressive MP4 with
 * its index in front (`-movflags +faststart`), by ffmpeg with `-c copy`: the pictures are copied,
 * never re-encoded. The fMP4 goes in on stdin and the MP4 is written to a file in a fresh
 * temporary folder (the index can only be moved in front once the whole clip is known); the
 * caller reads it and removes it. ffmpeg gets no camera address or account (only bytes on stdin)
 * and only PATH, LD_LIBRARY_PATH and TMPDIR from the environment; if the sidecar dies, its stdin
 * closes and it ends by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegEnv } from './child-env.ts';

/** The end of ffmpeg's error output kept for the message (its last line says what went wrong). */
const STDERR_KEEP = 2000;

export interface FaststartOptions {
  ffmpegPath: string;
  /** Where the temporary folder goes (default: the OS's temporary directory). */
  dir?: string;
}

export interface FaststartResult {
  /** The MP4 file; gone after `remove()`. */
  file: string;
  bytes: number;
}

/** One clip's remux: write() the fMP4 bytes in order, then finish(); remove() the result when read. */
export class FaststartRemux {
  private readonly folder: string;
  readonly file: string;
  private readonly child: ChildProcess;
  private stderr = '';
  private readonly exited: Promise<{ code: number | null; error: Error | null }>;
  private written = 0;
  private removed = false;

  constructor(opts: FaststartOptions) {
    this.folder = mkdtempSync(join(opts.dir ?? tmpdir(), 'tapo-clip-'));
    this.file = join(this.folder, 'clip.mp4');
    const args = [
      ...['-hide_banner', '-nostats', '-loglevel', 'error'],
      ...['-f', 'mp4', '-i', 'pipe:0'],
      ...['-map', '0:v', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', this.file],
    ];
    this.child = spawn(opts.ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'], env: ffmpegEnv() });
    this.exited = new Promise((resolve) => {
      let error: Error | null = null;
      this.child.once('error', (e) => {
        error = e;
        resolve({ code: null, error });
      });
      this.child.once('close', (code) => resolve({ code, error }));
    });
    this.child.stderr!.on(
      'data',
      (c: Buffer) => (this.stderr = (this.stderr + c.toString('utf8')).slice(-STDERR_KEEP))
    );
    // A write after ffmpeg went away (it failed on the input) is reported by finish(), not thrown.
    this.child.stdin!.on('error', () => undefined);
  }

  /** ffmpeg's process id (tests read what it was given). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Bytes of the fMP4, in order. */
  write(data: Buffer): void {
    this.written += data.length;
    this.child.stdin!.write(data);
  }

  /** The end of the input: resolves with the MP4 once ffmpeg wrote it, or rejects with its words. */
  async finish(): Promise<FaststartResult> {
    this.child.stdin!.end();
    const { code, error } = await this.exited;
    if (error || code !== 0) {
      this.remove();
      const why = error?.message ?? (this.stderr.trim().split('\n').pop() || `ffmpeg exited with ${code}`);
      throw new Error(`ffmpeg could not make an MP4 of the clip (${this.written} bytes in): ${why}`);
    }
    return { file: this.file, bytes: statSync(this.file).size };
  }

  /** Stops ffmpeg (if it still runs) and removes the folder; safe to call more than once. */
  remove(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    if (!this.removed) {
      this.removed = true;
      rmSync(this.folder, { recursive: true, force: true });
    }
  }
}
