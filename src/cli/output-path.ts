import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { describeFsError } from '../util/fs-errors.js';
import { UserError } from '../util/user-error.js';

/**
 * Refuses an output file that could not be written, before the command
 * touches the process: a trace or a profile that is recorded and then
 * cannot be saved is lost. The write itself stays atomic (stageFile).
 */
export function checkOutputPath(file: string, option: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${option}: cannot write ${file}: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw describeFsError(err, `${option}: cannot write ${file}`);
  }
}
