/**
 * What the cold variant's build_post_bench does, in the benchmark's build
 * directory (the tools run the hook there, after make and before they copy and
 * checksum the executables): coldpatch every instrumented executable in place.
 *
 * coldpatch never writes over its input, so each executable is coldpatched into
 * a scratch directory, the original is renamed to <exe>.instrumented and the
 * coldpatched file renamed into its place; both renames stay inside the build
 * directory, so each is atomic.
 */
import { copyFile, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { coldpatch } from '../coldpatch/coldpatch.js';
import { probeListPathFor } from '../probelist/probe-list.js';
import { describeFsError } from '../util/fs-errors.js';
import { UserError } from '../util/user-error.js';

export const INSTRUMENTED_SUFFIX = '.instrumented';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ET_EXEC = 2;
const ET_DYN = 3;
const E_TYPE_OFFSET = 16;

export interface BuildDirLayout {
  tune: string;
  label: string;
  /** benchspec/CPU/<benchmark>/exe, where the tools copy <exe> as <exe>_<tune>.<label>. */
  exeDir: string;
}

/**
 * Build directories are benchspec/CPU*\/<benchmark>/build/build_<tune>_<label>.NNNN
 * (config.html, "Finding the build directory"); the exe directory is their sibling.
 */
export function buildDirLayout(buildDir: string): BuildDirLayout | undefined {
  const match = /^build_(base|peak)_(.+)\.\d{4}$/.exec(path.basename(buildDir));
  if (!match || path.basename(path.dirname(buildDir)) !== 'build') return undefined;
  return { tune: match[1]!, label: match[2]!, exeDir: path.join(path.dirname(path.dirname(buildDir)), 'exe') };
}

/** Names of the ELF executables (ET_EXEC or ET_DYN with an x bit) in `dir`, originals we kept excluded. */
export async function findExecutables(dir: string): Promise<string[]> {
  const names: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw describeFsError(err, `cannot read build directory ${dir}`);
  });
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.') || entry.name.endsWith(INSTRUMENTED_SUFFIX)) continue;
    const file = path.join(dir, entry.name);
    if (((await stat(file)).mode & 0o111) === 0) continue;
    const header = Buffer.alloc(E_TYPE_OFFSET + 2);
    const handle = await open(file, 'r');
    try {
      await handle.read(header, 0, header.length, 0);
    } finally {
      await handle.close();
    }
    const type = header.readUInt16LE(E_TYPE_OFFSET);
    if (header.subarray(0, 4).equals(ELF_MAGIC) && (type === ET_EXEC || type === ET_DYN)) names.push(entry.name);
  }
  return names.sort();
}

export interface BuildDirExecutable {
  name: string;
  status: 'coldpatched' | 'already-coldpatched';
  probeList: string;
  /** The copy of the probe list next to the tools' copy of the executable, when the layout is known. */
  exeDirProbeList?: string;
  sites: number;
}

export async function coldpatchBuildDir(buildDir: string): Promise<BuildDirExecutable[]> {
  const names = await findExecutables(buildDir);
  if (names.length === 0) throw new UserError(`no ELF executable in ${buildDir}: nothing to coldpatch`);
  const layout = buildDirLayout(buildDir);
  const results: BuildDirExecutable[] = [];
  for (const name of names) {
    const exe = path.join(buildDir, name);
    const probeList = probeListPathFor(exe);
    const scratch = await mkdtemp(path.join(buildDir, '.iprobe-coldpatch-'));
    try {
      const summary = await coldpatch({ input: exe, output: path.join(scratch, name), probes: probeList });
      if (summary.status === 'coldpatched') {
        await rename(exe, exe + INSTRUMENTED_SUFFIX);
        await rename(path.join(scratch, name), exe);
      }
      const result: BuildDirExecutable = {
        name,
        status: summary.status,
        probeList,
        sites: Object.values(summary.sites).reduce((a, b) => a + b, 0),
      };
      if (layout) {
        result.exeDirProbeList = probeListPathFor(path.join(layout.exeDir, `${name}_${layout.tune}.${layout.label}`));
        await copyFile(probeList, result.exeDirProbeList).catch((err: NodeJS.ErrnoException) => {
          // An "already coldpatched" exe coldpatched some other way has no probe list to copy.
          if (err.code !== 'ENOENT') throw err;
          delete result.exeDirProbeList;
        });
      }
      results.push(result);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return results;
}
