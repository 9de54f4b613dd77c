/**
 * A camera stream's current group of pictures, from its last keyframe, as copies of the access
 * units (those handed to subscribers are views of the session's read buffers, valid only during
 * the call). A subscriber who joins an open stream is given this group first, so it can decode the
 * present picture at once instead of waiting up to a whole group for the next keyframe. The copies
 * live in one arena that starts over at each keyframe; a group larger than `maxBytes` is not kept.
 */
import { GopArena } from './gop-arena.ts';
import type { AccessUnit } from './types.ts';

export class KeptGroup {
  private aus: AccessUnit[] = [];
  private bytes = 0;
  /** The group outgrew the bound: nothing is kept until the next keyframe. */
  private overflow = false;
  private arena: GopArena | null = null;

  constructor(
    private readonly startBytes: number,
    private readonly maxBytes: number
  ) {}

  /** Keeps `au` (a keyframe starts a new group; pictures before the first keyframe are not kept). */
  add(au: AccessUnit): void {
    if (au.keyframe) {
      // The group before is let go: replay() hands its pictures out synchronously, nobody keeps them.
      this.aus = [];
      this.bytes = 0;
      this.overflow = false;
      this.arena ??= new GopArena(this.startBytes, this.maxBytes);
      this.arena.restart();
    } else if (this.aus.length === 0 || this.overflow) {
      return;
    }
    let size = 0;
    for (const n of au.nalus) {
      size += n.length;
    }
    if (this.bytes + size > this.maxBytes) {
      this.overflow = true;
      this.aus = [];
      return;
    }
    const room = this.arena!.take(size);
    const nalus: Buffer[] = [];
    let at = 0;
    for (const n of au.nalus) {
      n.copy(room, at);
      nalus.push(room.subarray(at, at + n.length));
      at += n.length;
    }
    this.bytes += size;
    this.aus.push({ time90k: au.time90k, receivedAt: au.receivedAt, keyframe: au.keyframe, nalus });
  }

  /** The kept pictures, keyframe first (empty when none is kept); valid until the next add(). */
  pictures(): readonly AccessUnit[] {
    return this.aus;
  }

  /** Forgets the group and its memory (the stream stopped or changed). */
  clear(): void {
    this.aus = [];
    this.bytes = 0;
    this.overflow = false;
    this.arena = null;
  }
}
