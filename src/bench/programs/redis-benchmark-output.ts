/** One row of `redis-benchmark --csv`. */
export interface BenchmarkRow {
  test: string;
  requestsPerSecond: number;
  avgLatencyMs: number;
  p99LatencyMs: number;
}

/**
 * Parses `redis-benchmark --csv` (redis 7: a header line naming the columns,
 * then one quoted row per test). Columns are found by name, so a version that
 * adds or reorders columns still parses; a missing one is an error.
 */
export function parseBenchmarkCsv(text: string): BenchmarkRow[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines.findIndex((l) => l.startsWith('"test"'));
  if (header < 0) throw new Error(`redis-benchmark printed no CSV header:\n${text}`);
  const columns = csvFields(lines[header]!);
  const column = (name: string): number => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`redis-benchmark CSV has no '${name}' column: ${lines[header]}`);
    return index;
  };
  const [test, rps, avg, p99] = [column('test'), column('rps'), column('avg_latency_ms'), column('p99_latency_ms')];
  return lines.slice(header + 1).map((line) => {
    const fields = csvFields(line);
    const number = (index: number): number => {
      const value = Number(fields[index]);
      if (!Number.isFinite(value)) throw new Error(`redis-benchmark CSV row has a bad number: ${line}`);
      return value;
    };
    return { test: fields[test]!, requestsPerSecond: number(rps), avgLatencyMs: number(avg), p99LatencyMs: number(p99) };
  });
}

/** Splits `"a","b,c","d"`; redis-benchmark quotes every field and never embeds quotes. */
function csvFields(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}
