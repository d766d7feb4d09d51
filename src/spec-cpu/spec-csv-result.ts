/**
 * The CSV report (runcpu/runspec --output_format=csv; bin/formats/csv.pl).
 * After a "valid,1" line comes a table whose header starts with "Benchmark"
 * and has, per tune, "<Tune> # Copies" (or Ref Time / # Threads),
 * "[Est. ]<Tune> Run Time", "<Tune> Rate|Ratio", "<Tune> Selected" and
 * "<Tune> Status"; one row per benchmark and iteration, up to an empty line.
 * CPU2017 titles it "Full Results Table" and repeats the selected rows in a
 * second table, which is ignored here. Benchmarks of the suite that did not
 * run have one row with status NR and no time: they are not records.
 */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../util/fs-errors.js';
import { UserError } from '../util/user-error.js';
import { addRecord, type SpecResultFile } from './spec-result.js';

const NOT_RUN = 'NR';

export function parseCsvResult(text: string, file: string): SpecResultFile {
  const rows = parseCsv(text);
  const headerAt = rows.findIndex((r) => r[0] === 'Benchmark' && r.some((c) => / Status$/.test(c)));
  if (headerAt < 0) throw new UserError(`${file} is not a SPEC CPU CSV result: no "Benchmark,..." results table`);
  const header = rows[headerAt]!;
  const tunes = header.filter((c) => / Status$/.test(c)).map((c) => c.replace(/ Status$/, ''));
  const columns = tunes.map((tune) => ({
    tune: tune.toLowerCase(),
    time: header.findIndex((c) => c === `${tune} Run Time` || c === `Est. ${tune} Run Time`),
    selected: header.indexOf(`${tune} Selected`),
    status: header.indexOf(`${tune} Status`),
  }));
  const title = rows.slice(0, headerAt).flat().join(' ');
  const parsed: SpecResultFile = {
    file,
    version: /CPU2017/.test(title) ? 'cpu2017' : /CPU2006/.test(title) ? 'cpu2006' : undefined,
    benchmarks: new Map(),
  };
  for (const row of rows.slice(headerAt + 1)) {
    if (!/^\d{3}\./.test(row[0] ?? '')) break;
    for (const c of columns) {
      const status = row[c.status] ?? '';
      const time = row[c.time] ?? '';
      if (status === '' || (status === NOT_RUN && time === '')) continue;
      const seconds = Number(time);
      addRecord(parsed, row[0]!, c.tune, {
        seconds: time !== '' && Number.isFinite(seconds) ? seconds : undefined,
        status,
        selected: row[c.selected] === '1',
      });
    }
  }
  return parsed;
}

/** RFC 4180 fields: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows.map((r) => (r.length === 1 && r[0] === '' ? [] : r));
}

export async function readCsvResult(file: string): Promise<SpecResultFile> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw describeFsError(err, `cannot read ${file}`);
  });
  return parseCsvResult(text, file);
}
