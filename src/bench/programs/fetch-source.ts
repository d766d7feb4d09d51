import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../util/user-error.js';
import { installDirectory } from './atomic-install.js';
import { cacheRoot, sourceCacheDir } from './cache-dir.js';
import { enableDebSrc } from './deb-src.js';
import { withFileLock } from './file-lock.js';
import { stderrProgress, type ProgressSink } from './progress.js';
import { CommandFailed, onPath, runCommand } from './run-command.js';

/** An unpacked Debian source package (upstream sources with Debian's patches applied). */
export interface SourceTree {
  pkg: string;
  /** Debian version without the epoch, as in the .dsc file name: `1.0.8-5`. */
  version: string;
  dir: string;
}

export interface FetchOptions {
  cacheDir?: string;
  progress?: ProgressSink;
}

/**
 * Fetches and unpacks the Debian source package `pkg` (the version APT would
 * pick now) into the cache, once: later calls, and concurrent ones from other
 * processes, get the same tree. The tree is shared by all builds and must be
 * treated as read-only.
 */
export async function fetchSource(pkg: string, options: FetchOptions = {}): Promise<SourceTree> {
  const progress = options.progress ?? stderrProgress;
  const root = cacheRoot(options.cacheDir);
  const parent = sourceCacheDir(root);
  await fs.mkdir(parent, { recursive: true });

  const version = await sourceVersion(pkg, root, progress);
  const dir = path.join(parent, `${pkg}-${version}`);
  const tree = { pkg, version, dir };
  if (await exists(dir)) return tree;

  await withFileLock(
    `${dir}.lock`,
    async () => {
      if (await exists(dir)) return;
      if (!(await onPath('dpkg-source'))) {
        throw new UserError('dpkg-source is missing, so apt-get source cannot unpack', 'bash scripts/system-deps.sh programs');
      }
      const scratch = await fs.mkdtemp(path.join(parent, `.fetch-${pkg}-`));
      try {
        progress(`fetching Debian source ${pkg} ${version} (apt-get source) into ${dir}`);
        await runCommand('apt-get', ['source', '-qq', ...sandboxOptions(), ...hostReleaseOptions(), pkg], { cwd: scratch });
        // The directory is named after the version we asked about; an apt-get
        // update in between could have fetched another.
        if (!(await exists(path.join(scratch, `${pkg}_${version}.dsc`)))) {
          throw new Error(`apt-get source ${pkg} fetched another version than ${version} (lists updated meanwhile?); try again`);
        }
        await installDirectory(path.join(scratch, await unpackedDirName(scratch, pkg)), dir);
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    },
    { onWait: (pid) => progress(`waiting for pid ${pid}, which is fetching ${pkg} ${version}`) },
  );
  return tree;
}

/** Per process: asking APT takes about a second, and its answer only changes with apt-get update. */
const knownVersions = new Map<string, Promise<string>>();

/** The version `apt-get source PKG` would fetch, enabling deb-src first if APT knows no source packages. */
function sourceVersion(pkg: string, root: string, progress: ProgressSink): Promise<string> {
  let version = knownVersions.get(pkg);
  if (!version) {
    version = askApt(pkg, root, progress);
    knownVersions.set(pkg, version);
    version.catch(() => knownVersions.delete(pkg));
  }
  return version;
}

async function askApt(pkg: string, root: string, progress: ProgressSink): Promise<string> {
  try {
    return await printedVersion(pkg);
  } catch (err) {
    if (!(err instanceof CommandFailed) || !/deb-src|Unable to find a source package/i.test(err.stderr)) throw err;
  }
  await withFileLock(path.join(root, 'apt-sources.lock'), async () => {
    // Another process may have enabled deb-src while we waited.
    if (!(await printedVersion(pkg).then(() => true, () => false))) await enableDebSrc(progress);
  });
  try {
    return await printedVersion(pkg);
  } catch (err) {
    if (err instanceof CommandFailed) {
      throw new UserError(`apt-get knows no source package ${pkg}: ${err.stderr.trim().split('\n').at(-1)}`);
    }
    throw err;
  }
}

async function printedVersion(pkg: string): Promise<string> {
  // Lines look like: 'http://…/bzip2_1.0.8-5.dsc' bzip2_1.0.8-5.dsc 2206 SHA256:…
  const { stdout } = await runCommand('apt-get', ['source', '--print-uris', '-qq', ...hostReleaseOptions(), pkg]);
  for (const line of stdout.split('\n')) {
    const fileName = line.split(' ')[1];
    const match = fileName && /^(.+?)_(.+)\.dsc$/.exec(fileName);
    if (match) return match[2]!;
  }
  throw new Error(`apt-get source --print-uris ${pkg} named no .dsc file:\n${stdout}`);
}

async function unpackedDirName(scratch: string, pkg: string): Promise<string> {
  const entries = await fs.readdir(scratch, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  if (dirs.length !== 1) throw new Error(`apt-get source ${pkg} left ${dirs.length} directories in ${scratch}: ${dirs.join(', ')}`);
  return dirs[0]!;
}

/**
 * `-t bookworm` on a Debian 12 host: the version in the host's own release,
 * even when APT also lists newer releases' sources (a machine with trixie or
 * sid deb-src entries would otherwise build redis 8 or lua 5.4.9, which the
 * recipes and the pinned workload outputs are not written for). Not the
 * -security suite: its uploads would change the tests' sources on any day,
 * and a partial mirror may lack them (this machine's has no libzstd
 * 1.5.4+dfsg2-5+deb12u1, while apt lists it); the release changes only at
 * point releases. Nothing on a host without a codename.
 */
export function hostReleaseOptions(osRelease = readOsRelease()): string[] {
  const codename = /^VERSION_CODENAME=["']?([a-z0-9-]+)["']?$/m.exec(osRelease)?.[1];
  return codename ? ['-t', codename] : [];
}

function readOsRelease(): string {
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return '';
  }
}

/**
 * As root, apt downloads as the `_apt` user, which cannot write into our
 * private scratch directory; it would fall back to root with a warning.
 */
function sandboxOptions(): string[] {
  return process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
