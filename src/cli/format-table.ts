/** Plain-text table with aligned columns; numbers right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const line = (cells: readonly (string | number)[]) =>
    cells
      .map((cell, c) => (numeric[c] ? String(cell).padStart(widths[c]!) : String(cell).padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
