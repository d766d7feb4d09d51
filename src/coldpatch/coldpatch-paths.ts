/** Checks on coldpatch's input and output paths, each failure a one-line UserError. */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../util/user-error.js';
import { describeFsError } from '../util/fs-errors.js';

export async function readInputBinary(input: string): Promise<{ bytes: Buffer; mode: number }> {
  try {
    const info = await stat(input);
    if (info.isDirectory()) throw new UserError(`${input} is a directory, not a binary`);
    return { bytes: await readFile(input), mode: info.mode };
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw describeFsError(err, `cannot read ${input}`);
  }
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

export async function checkColdpatchPaths(input: string, output: string, probes: string): Promise<void> {
  if (await sameFile(input, output)) {
    throw new UserError(`output ${output} is the input file; coldpatch never modifies its input`, 'choose another path with -o');
  }
  if ((await sameFile(probes, input)) || (await sameFile(probes, output))) {
    throw new UserError(`probe list path ${probes} would overwrite a binary`, 'choose another path with --probes');
  }
  for (const target of [output, probes]) {
    const dir = path.dirname(path.resolve(target));
    try {
      await access(dir, constants.W_OK);
    } catch (err) {
      throw describeFsError(err, `cannot write ${target}`);
    }
    try {
      if ((await stat(target)).isDirectory()) throw new UserError(`${target} is a directory`);
    } catch (err) {
      if (err instanceof UserError) throw err;
    }
  }
}
