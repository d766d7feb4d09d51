/**
 * A GitHub-flavoured Markdown table. Columns whose cells all start with a
 * number (or are blank or a dash) are right-aligned.
 */
export type Cell = string | number | undefined;

const NUMERIC_CELL = /^(|–|-|[-+]?[0-9][0-9.,]*.*)$/;

export function markdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => NUMERIC_CELL.test(String(r[c] ?? ''))));
  const escape = (cell: Cell) => (cell === undefined ? '' : String(cell).replace(/\|/g, '\\|').replace(/\n/g, ' '));
  const line = (cells: readonly Cell[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [line(headers), `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}

/**
 * Parses the tables of a Markdown text back into header and rows (used by
 * the tests to check that what the bench writes is well formed).
 */
export function parseMarkdownTables(text: string): { headers: string[]; rows: string[][] }[] {
  const tables: { headers: string[]; rows: string[][] }[] = [];
  const lines = text.split('\n');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\|(\s*:?-+:?\s*\|)+\s*$/.test(lines[i + 1]!.trim())) continue;
    const headers = cells(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) rows.push(cells(lines[j]!));
    tables.push({ headers, rows });
    i = j - 1;
  }
  return tables;
}

/** Three significant digits for measured values, at most two decimals: 0.14, 3.14, 31.4, 314, 3140. */
export function formatMeasure(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  return value.toFixed(Math.min(2, Math.max(0, digits - 1 - magnitude)));
}

export const formatRatio = (ratio: number): string => `${ratio.toFixed(ratio < 10 ? 3 : 1)}×`;
