import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory for this test file, removed when the file's tests end. */
export function useTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `iprobe-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
