/**
 * The raw result file (.rsf) the tools write for every run, from which they
 * generate all other reports. Each line is "spec.<suite>.<key>: <value>"; the
 * per-iteration results are (bin/formats/raw.pl, both versions)
 *   spec.cpu2017.results.505_mcf_r.base.000.reported_time: 331.552804
 * with the benchmark's dot turned into an underscore, the tune, the iteration
 * index and one key of the result record (valid, selected, reported_time,
 * label or ext, ...). Array values get a three-digit suffix (errors000).
 */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../util/fs-errors.js';
import { UserError } from '../util/user-error.js';
import type { SpecVersion } from './spec-benchmarks.js';
import { addRecord, type IterationRecord, type SpecResultFile } from './spec-result.js';

const RESULT_KEY = /^spec\.(cpu2006|cpu2017)\.results\.(\d{3})_([^.]+)\.(\w+?)\.(\d{3})\.([a-z_]+)(\d{3})?: ?(.*)$/;
const TOP_KEY = /^spec\.(cpu2006|cpu2017)\.([a-z_]+)(\d{3})?: ?(.*)$/;

interface RawRecord {
  benchmark: string;
  tune: string;
  fields: Map<string, string>;
}

export function parseRawResult(text: string, file: string): SpecResultFile {
  let version: SpecVersion | undefined;
  const top = new Map<string, string>();
  const records = new Map<string, RawRecord>();
  for (const line of text.split(/\r?\n/)) {
    const result = RESULT_KEY.exec(line);
    if (result) {
      const [, suite, number, name, tune, index, key, arrayIndex, value] = result as unknown as string[];
      version = suite as SpecVersion;
      if (arrayIndex) continue; // errors000...: the status code says enough
      const id = `${number}.${name}.${tune}.${index}`;
      let record = records.get(id);
      if (!record) records.set(id, (record = { benchmark: `${number}.${name}`, tune: tune!, fields: new Map() }));
      record.fields.set(key!, value!.trim());
      continue;
    }
    const entry = TOP_KEY.exec(line);
    if (entry) {
      version = entry[1] as SpecVersion;
      if (!entry[3]) top.set(entry[2]!, entry[4]!.trim());
    }
  }
  if (!version) throw new UserError(`${file} is not a SPEC CPU raw result file: no spec.cpu2006.* or spec.cpu2017.* lines`);

  const labelKey = version === 'cpu2017' ? 'label' : 'ext';
  const parsed: SpecResultFile = { file, version, benchmarks: new Map() };
  const labels = new Set<string>();
  // In first-seen order, which is the file's: sorted by benchmark, tune and iteration.
  for (const record of records.values()) {
    const label = record.fields.get(labelKey);
    if (label) labels.add(label);
    addRecord(parsed, record.benchmark, record.tune, toIteration(record.fields));
  }
  const topLabel = top.get(labelKey);
  if (topLabel) labels.add(topLabel);
  if (labels.size > 1) throw new UserError(`${file} mixes ${labelKey}s ${[...labels].join(', ')}; iprobe-spec expects one per run`);
  parsed.label = [...labels][0];
  return parsed;
}

function toIteration(fields: Map<string, string>): IterationRecord {
  const time = Number(fields.get('reported_time'));
  return {
    seconds: Number.isFinite(time) && fields.get('reported_time') !== '' ? time : undefined,
    status: fields.get('valid') ?? '?',
    selected: fields.get('selected') === '1',
  };
}

export async function readRawResult(file: string): Promise<SpecResultFile> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw describeFsError(err, `cannot read ${file}`);
  });
  return parseRawResult(text, file);
}
