export interface TableOptions {
  /** Longer cells are cut with an ellipsis so one long value cannot push every column off screen. */
  maxCellWidth?: number;
}

const DEFAULT_MAX_CELL_WIDTH = 60;

/** Left-aligned columns separated by two spaces, with a header row; one line per row. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const maxWidth = options.maxCellWidth ?? DEFAULT_MAX_CELL_WIDTH;
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => fitCell(row[i] ?? "", maxWidth)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Two aligned columns without a header, for "label  value" blocks. */
export function renderPairs(
  pairs: readonly (readonly [string, string])[],
  options: TableOptions = {},
): string {
  const maxWidth = options.maxCellWidth ?? Number.POSITIVE_INFINITY;
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs
    .map(([label, value]) => `${label.padEnd(width)}  ${fitCell(value, maxWidth)}`.trimEnd())
    .join("\n");
}

/** Control characters (newlines in tag values, escape sequences) would break the layout or the terminal. */
function fitCell(value: string, maxWidth: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, " ");
  return flat.length > maxWidth ? `${flat.slice(0, Math.max(maxWidth - 1, 0))}…` : flat;
}
