/** The panel's grid: how many columns, and whether tiles are small enough to show controls on hover only. */

/** Height of a tile's control bar (px): the same on every tile, so pictures in a row line up. */
export const CONTROL_BAR_PX = 32;
/** Gap between tiles (px), theme.spacing(0.5). */
export const GRID_GAP_PX = 4;
/** Below this width or height a tile shows its controls over the picture, on hover and focus only. */
export const COMPACT_TILE = { width: 360, height: 240 };
/** Below this width a tile folds its PTZ arrows and presets into one button. */
export const NARROW_PTZ_PX = 360;

export interface GridInput {
  count: number;
  width: number;
  height: number;
  /** Fixed columns (the panel option); 0 or less chooses. */
  columns?: number;
  /** Whether tiles carry a control bar (editors with controls on). */
  controls: boolean;
  /** Width / height of the pictures; 16:9 unless the data says otherwise. */
  aspect?: number;
  gap?: number;
}

export interface Grid {
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** Controls float over the picture on hover (small tiles) instead of taking a bar below it. */
  hoverControls: boolean;
  /** Height the control bar takes below the picture (0 when hovering or without controls). */
  barHeight: number;
  /** The area of one picture as drawn (fit), px². */
  pictureArea: number;
}

/** Area of a picture of this aspect fitted into w × h. */
function fittedArea(w: number, h: number, aspect: number): number {
  if (w <= 0 || h <= 0) {
    return 0;
  }
  const pw = Math.min(w, h * aspect);
  return pw * (pw / aspect);
}

function cell(count: number, columns: number, width: number, height: number, gap: number) {
  const rows = Math.ceil(count / columns);
  return {
    rows,
    tileWidth: Math.max(0, (width - gap * (columns - 1)) / columns),
    tileHeight: Math.max(0, (height - gap * (rows - 1)) / rows),
  };
}

const isCompact = (w: number, h: number) => w < COMPACT_TILE.width || h < COMPACT_TILE.height;

function layoutFor(count: number, columns: number, i: Required<Omit<GridInput, 'columns'>>): Grid {
  const { rows, tileWidth, tileHeight } = cell(count, columns, i.width, i.height, i.gap);
  const hoverControls = i.controls && isCompact(tileWidth, tileHeight);
  const barHeight = i.controls && !hoverControls ? CONTROL_BAR_PX : 0;
  return {
    columns,
    rows,
    tileWidth,
    tileHeight,
    hoverControls,
    barHeight,
    pictureArea: fittedArea(tileWidth, tileHeight - barHeight, i.aspect),
  };
}

/**
 * The grid whose pictures are largest, counting the control bar each tile gives up (so 3×2 wins
 * over 2×3 in a wide panel once the bar is taken off). On a tie, fewer empty cells.
 */
export function chooseGrid(input: GridInput): Grid {
  const count = Math.max(1, input.count);
  const full = {
    count,
    width: Math.max(0, input.width),
    height: Math.max(0, input.height),
    controls: input.controls,
    aspect: input.aspect && input.aspect > 0 && Number.isFinite(input.aspect) ? input.aspect : 16 / 9,
    gap: input.gap ?? GRID_GAP_PX,
  };
  if (input.columns && input.columns > 0) {
    return layoutFor(count, Math.min(Math.floor(input.columns), count), full);
  }
  let best: Grid | undefined;
  for (let columns = 1; columns <= count; columns++) {
    const g = layoutFor(count, columns, full);
    const empty = g.rows * g.columns - count;
    const bestEmpty = best ? best.rows * best.columns - count : Infinity;
    // Half a pixel² of slack so rounding noise does not decide.
    if (
      !best ||
      g.pictureArea > best.pictureArea + 0.5 ||
      (Math.abs(g.pictureArea - best.pictureArea) <= 0.5 && empty < bestEmpty)
    ) {
      best = g;
    }
  }
  return best!;
}

/** What a tile needs to know of the grid to lay itself out. */
export interface TileLayout {
  /** Small tile: shorter messages. */
  compact: boolean;
  /** Controls float over the picture, shown on hover and focus. */
  hoverControls: boolean;
  /** PTZ arrows and presets fold into one button. */
  narrowControls: boolean;
}

export function tileLayout(grid: Grid): TileLayout {
  return {
    compact: isCompact(grid.tileWidth, grid.tileHeight),
    hoverControls: grid.hoverControls,
    narrowControls: grid.tileWidth < NARROW_PTZ_PX,
  };
}
