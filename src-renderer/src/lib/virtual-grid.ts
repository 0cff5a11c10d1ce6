export interface GridInput {
  count: number;
  /** Inner size of the scrolling viewport, CSS px. */
  width: number;
  height: number;
  scrollTop: number;
  minCellWidth: number;
  /** Height below the square thumbnail (the name line). */
  captionHeight: number;
  gap: number;
  /** Rows rendered beyond the visible ones on each side, so fast scrolling does not show gaps. */
  overscan: number;
}

export interface GridWindow {
  columns: number;
  cellWidth: number;
  rowHeight: number;
  rows: number;
  totalHeight: number;
  /** Rows to render, inclusive; lastRow < firstRow when there is nothing. */
  firstRow: number;
  lastRow: number;
  /** Rows actually on screen (no overscan): what to fetch first. */
  visibleFirstRow: number;
  visibleLastRow: number;
}

/** Which rows of a grid of `count` square cells intersect the viewport: the only ones put in the DOM. */
export function gridWindow(g: GridInput): GridWindow {
  const columns = Math.max(1, Math.floor((g.width + g.gap) / (g.minCellWidth + g.gap)));
  const cellWidth = Math.max(1, (g.width - g.gap * (columns - 1)) / columns);
  const rowHeight = cellWidth + g.captionHeight + g.gap;
  const rows = Math.ceil(g.count / columns);
  const totalHeight = Math.max(0, rows * rowHeight - g.gap);
  const top = Math.max(0, g.scrollTop);
  const visibleFirstRow = Math.min(Math.floor(top / rowHeight), Math.max(0, rows - 1));
  const visibleLastRow = Math.min(rows - 1, Math.floor((top + Math.max(0, g.height)) / rowHeight));
  return {
    columns,
    cellWidth,
    rowHeight,
    rows,
    totalHeight,
    firstRow: Math.max(0, visibleFirstRow - g.overscan),
    lastRow: Math.min(rows - 1, visibleLastRow + g.overscan),
    visibleFirstRow,
    visibleLastRow,
  };
}
