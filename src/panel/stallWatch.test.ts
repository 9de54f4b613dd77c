import {
  backoffMs,
  checkStall,
  pictureArrived,
  playheadAt,
  reconnected,
  RECONNECT_FIRST_MS,
  RECONNECT_MAX_MS,
  STALL_MARGIN_MS,
  startWatch,
  stallLimitMs,
  type StallWatch,
} from './stallWatch';

/** Pictures every `every` ms of their own time, arriving `delay` ms later on the caller's clock. */
function feed(w: StallWatch, from: number, count: number, every: number, delay = 30): StallWatch {
  for (let i = 0; i < count; i++) {
    w = pictureArrived(w, from + i * every + delay, from + i * every);
  }
  return w;
}

describe('stall watch', () => {
  it('learns the stream’s frame interval from its pictures’ own times, not from when they arrive', () => {
    let w = startWatch(0);
    expect(w.intervalMs).toBe(1000);
    // A joining viewer gets the current group of pictures in one burst: their own times are 66 ms apart.
    for (let i = 0; i < 10; i++) {
      w = pictureArrived(w, 500, 100 + i * 66);
    }
    expect(w.intervalMs).toBeCloseTo(66, 0);
    expect(stallLimitMs(w)).toBeCloseTo(2 * 66 + STALL_MARGIN_MS, 0);
    // One dropped picture barely moves it; a gap of many seconds is not a spacing at all.
    w = pictureArrived(w, 700, 100 + 9 * 66 + 132);
    expect(w.intervalMs).toBeLessThan(80);
    w = pictureArrived(w, 9000, 9000);
    expect(w.intervalMs).toBeLessThan(80);
  });

  it('keeps a given interval until pictures say otherwise', () => {
    const w = startWatch(0, 500);
    expect(stallLimitMs(w)).toBe(1000 + STALL_MARGIN_MS);
    expect(stallLimitMs(pictureArrived(w, 10, 10))).toBe(1000 + STALL_MARGIN_MS);
  });

  it('a stream that stops: stalled after two intervals and the margin, for as long as it has been silent', () => {
    const w = feed(startWatch(0), 1000, 30, 66); // last picture arrives at 1000 + 29 * 66 + 30 = 2944
    const limit = stallLimitMs(w);
    expect(checkStall(w, 2944 + limit)).toEqual({ stalled: false, silentMs: 0, reconnect: false });
    const v = checkStall(w, 2944 + limit + 1);
    expect(v.stalled).toBe(true);
    expect(v.silentMs).toBe(limit + 1);
    expect(checkStall(w, 2944 + 5000).silentMs).toBe(5000);
  });

  it('a stream that never sends: stalled from when watching started', () => {
    const w = startWatch(10_000);
    expect(checkStall(w, 10_000 + 2 * 1000 + STALL_MARGIN_MS).stalled).toBe(false);
    expect(checkStall(w, 13_000)).toMatchObject({ stalled: true, silentMs: 3000 });
  });

  it('pictures that arrive while the player stands still: the buffer is not advancing', () => {
    let w = feed(startWatch(0), 0, 5, 66);
    w = playheadAt(w, 300, 0.1); // first position: not yet a movement
    w = playheadAt(w, 400, 0.2); // moved at 400
    expect(w.playheadMovedAt).toBe(400);
    // Pictures keep coming; the position stays at 0.2.
    for (let t = 450; t <= 2000; t += 66) {
      w = pictureArrived(w, t, t - 30);
      w = playheadAt(w, t, 0.2);
    }
    const limit = stallLimitMs(w);
    expect(checkStall(w, 400 + limit).stalled).toBe(false);
    expect(checkStall(w, 2000)).toMatchObject({ stalled: true, silentMs: 1600 });
    // It moves again: not stalled.
    w = playheadAt(w, 2010, 0.3);
    expect(checkStall(w, 2020).stalled).toBe(false);
  });

  it('a player whose position never moves (no playback at all) is judged by its pictures only', () => {
    let w = feed(startWatch(0), 0, 50, 66);
    for (let t = 0; t < 3300; t += 250) {
      w = playheadAt(w, t, 0);
    }
    expect(checkStall(w, 3300).stalled).toBe(false);
  });

  it('reconnects with backoff while stalled, and starts over once a picture arrives', () => {
    let w = feed(startWatch(0), 0, 10, 66); // last arrival 624
    const start = 624 + stallLimitMs(w); // the stall begins
    expect(checkStall(w, start + 1).reconnect).toBe(false);
    expect(checkStall(w, start + RECONNECT_FIRST_MS - 1).reconnect).toBe(false);
    const at: number[] = [];
    for (let t = start; t < start + 120_000; t += 100) {
      if (checkStall(w, t).reconnect) {
        at.push(t);
        w = reconnected(w, t);
      }
    }
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(at[0] - start).toBeGreaterThanOrEqual(RECONNECT_FIRST_MS);
    expect(gaps.slice(0, 4)).toEqual([backoffMs(1), backoffMs(2), backoffMs(3), backoffMs(4)]);
    expect(Math.max(...gaps)).toBe(RECONNECT_MAX_MS);
    // The silence still counts from the last picture, across reconnects.
    expect(checkStall(w, start + 60_000).silentMs).toBe(start + 60_000 - 624);

    w = pictureArrived(w, start + 120_000, 5_000_000);
    expect(w.attempts).toBe(0);
    expect(checkStall(w, start + 120_001)).toEqual({ stalled: false, silentMs: 0, reconnect: false });
  });

  it('backoff doubles from the first delay up to the cap', () => {
    expect([0, 1, 2, 3, 10].map(backoffMs)).toEqual([2000, 4000, 8000, 16000, RECONNECT_MAX_MS]);
  });
});
