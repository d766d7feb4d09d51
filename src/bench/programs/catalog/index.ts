import { UserError } from '../../../util/user-error.js';
import type { Program } from '../program.js';
import { bzip2 } from './bzip2.js';
import { lua } from './lua.js';
import { lz4 } from './lz4.js';
import { redis } from './redis.js';
import { sqlite3 } from './sqlite3.js';
import { zstd } from './zstd.js';

/** Every program the suite knows, cheapest build first. */
export const PROGRAMS: readonly Program[] = [bzip2, lz4, lua, zstd, sqlite3, redis];

export function programByName(name: string): Program {
  const program = PROGRAMS.find((p) => p.name === name);
  if (!program) throw new UserError(`unknown program '${name}'`, `known: ${PROGRAMS.map((p) => p.name).join(', ')}`);
  return program;
}
