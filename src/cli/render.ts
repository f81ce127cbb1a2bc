/** Pure renderers for people; `--json` prints the same data unrendered. */

/** A left-aligned table with a header row, two spaces between columns. */
export function renderTable(header: string[], rows: string[][]): string {
  const clean = (cell: string) => cell.replace(/[\u0000-\u001f\u007f]/g, '?');
  const all = [header, ...rows.map((row) => row.map(clean))];
  // A loop, not Math.max(...cells): spreading 150,000 rows overflows the call stack.
  const widths = header.map((_, i) => all.reduce((widest, row) => Math.max(widest, (row[i] ?? '').length), 0));
  return `${all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
