import { CONTROL_BAR_PX, chooseGrid } from './layout';

describe('chooseGrid', () => {
  it('picks 3×2 over 2×3 for six cameras in a 16:9 panel once the control bar is counted', () => {
    const g = chooseGrid({ count: 6, width: 800, height: 450, controls: true });
    expect([g.columns, g.rows]).toEqual([3, 2]);
    const twoByThree = chooseGrid({ count: 6, width: 800, height: 450, controls: true, columns: 2 });
    expect(g.pictureArea).toBeGreaterThan(twoByThree.pictureArea);
  });

  it('maximises the picture area over every column count', () => {
    for (const [count, width, height] of [
      [1, 300, 200],
      [4, 1920, 1080],
      [6, 1200, 500],
      [6, 500, 1200],
      [16, 1920, 1080],
      [5, 640, 480],
    ]) {
      for (const controls of [false, true]) {
        const best = chooseGrid({ count, width, height, controls });
        for (let columns = 1; columns <= count; columns++) {
          const other = chooseGrid({ count, width, height, controls, columns });
          expect(best.pictureArea).toBeGreaterThanOrEqual(other.pictureArea - 0.5);
        }
      }
    }
  });

  it('stacks cameras in a tall panel and lines them up in a wide one', () => {
    expect(chooseGrid({ count: 3, width: 400, height: 1200, controls: false }).columns).toBe(1);
    expect(chooseGrid({ count: 3, width: 1800, height: 300, controls: false }).columns).toBe(3);
  });

  it('gives small tiles their controls on hover, and large tiles a bar of the same height each', () => {
    const small = chooseGrid({ count: 16, width: 800, height: 600, controls: true });
    expect(small.hoverControls).toBe(true);
    expect(small.barHeight).toBe(0);
    const large = chooseGrid({ count: 4, width: 1920, height: 1080, controls: true });
    expect(large.hoverControls).toBe(false);
    expect(large.barHeight).toBe(CONTROL_BAR_PX);
    const viewer = chooseGrid({ count: 4, width: 1920, height: 1080, controls: false });
    expect(viewer.barHeight).toBe(0);
  });

  it('keeps a fixed column count within the number of cameras, and survives a zero-sized panel', () => {
    expect(chooseGrid({ count: 2, width: 800, height: 450, controls: false, columns: 5 }).columns).toBe(2);
    const zero = chooseGrid({ count: 3, width: 0, height: 0, controls: true });
    expect(zero.pictureArea).toBe(0);
    expect(zero.columns).toBeGreaterThanOrEqual(1);
  });

  it('uses the pictures’ own aspect when known: portrait cameras side by side, landscape ones stacked', () => {
    expect(chooseGrid({ count: 2, width: 1000, height: 1000, controls: false }).columns).toBe(1);
    expect(chooseGrid({ count: 2, width: 1000, height: 1000, controls: false, aspect: 9 / 16 }).columns).toBe(2);
  });
});
