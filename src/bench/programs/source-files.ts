import fs from 'node:fs/promises';
import path from 'node:path';

/** The files directly in `dir` (relative to `root`) whose names end in one of `extensions`, sorted. */
export async function sourceFiles(root: string, dir: string, extensions: readonly string[] = ['.c']): Promise<string[]> {
  const names = await fs.readdir(path.join(root, dir));
  return names
    .filter((name) => extensions.some((ext) => name.endsWith(ext)))
    .sort()
    .map((name) => path.join(dir, name));
}
