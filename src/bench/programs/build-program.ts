import fs from 'node:fs/promises';
import path from 'node:path';
import { installDirectory } from './atomic-install.js';
import { buildCacheDir, cacheRoot } from './cache-dir.js';
import { programByName } from './catalog/index.js';
import { fetchSource, type FetchOptions } from './fetch-source.js';
import { withFileLock } from './file-lock.js';
import { stderrProgress } from './progress.js';
import { runCommand } from './run-command.js';
import { buildKeyHash, variantFlags, variantName, type Variant, type VariantFlags } from './variant.js';

export interface BuiltProgram {
  program: string;
  sourcePackage: string;
  /** Debian version of the source package. */
  version: string;
  variant: Variant;
  variantName: string;
  flags: VariantFlags;
  /** The installed build: binaries, build.json and build.log. */
  dir: string;
  binaries: Record<string, string>;
  /** The binary the workload is about (bzip2, speedtest1, redis-server, …). */
  main: string;
  /** How long the build took when it was made (also when this call found it cached). */
  buildSeconds: number;
  /** True if this call found the build in the cache. */
  cached: boolean;
}

export type BuildOptions = FetchOptions;

const MANIFEST = 'build.json';

/**
 * Builds `name` from its Debian sources as `variant`, once per (source
 * version, recipe, variant, toolchain): later and concurrent calls get the
 * same installed build. Prints one progress line per build it really runs.
 */
export async function buildProgram(name: string, variant: Variant, options: BuildOptions = {}): Promise<BuiltProgram> {
  const program = programByName(name);
  const progress = options.progress ?? stderrProgress;
  const source = await fetchSource(program.sourcePackage, options);
  const flags = variantFlags(variant);
  const hash = buildKeyHash({ recipe: program.recipeRevision, version: source.version, variant, flags, toolchain: await toolchain() });
  const parent = path.join(buildCacheDir(cacheRoot(options.cacheDir)), `${program.name}-${source.version}`);
  const dir = path.join(parent, `${variantName(variant)}-${hash}`);
  await fs.mkdir(parent, { recursive: true });

  const found = await readInstalled(dir);
  if (found) return { ...found, cached: true };

  return withFileLock(
    `${dir}.lock`,
    async () => {
      const late = await readInstalled(dir);
      if (late) return { ...late, cached: true };

      const scratch = await fs.mkdtemp(path.join(parent, `.build-${variantName(variant)}-`));
      const outDir = path.join(scratch, 'out');
      const workDir = path.join(scratch, 'work');
      await fs.mkdir(outDir);
      await fs.mkdir(workDir);
      const logFile = path.join(outDir, 'build.log');
      progress(`building ${program.name} ${source.version} [${variantName(variant)}] into ${dir}`);
      const started = performance.now();
      try {
        await program.build({ source, variant, flags, workDir, outDir, logFile });
        for (const binary of program.binaries) await fs.access(path.join(outDir, binary));
        const built: BuiltProgram = {
          program: program.name,
          sourcePackage: program.sourcePackage,
          version: source.version,
          variant,
          variantName: variantName(variant),
          flags,
          dir,
          binaries: Object.fromEntries(program.binaries.map((b) => [b, path.join(dir, b)])),
          main: path.join(dir, program.binaries[0]!),
          buildSeconds: (performance.now() - started) / 1000,
          cached: false,
        };
        await fs.writeFile(path.join(outDir, MANIFEST), `${JSON.stringify(built, null, 2)}\n`);
        await installDirectory(outDir, dir);
        return built;
      } catch (err) {
        await fs.copyFile(logFile, `${dir}.failed.log`).catch(() => {});
        throw err;
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    },
    { onWait: (pid) => progress(`waiting for pid ${pid}, which is building ${program.name} [${variantName(variant)}]`) },
  );
}

async function readInstalled(dir: string): Promise<Omit<BuiltProgram, 'cached'> | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as BuiltProgram;
  } catch {
    return undefined;
  }
}

let toolchainVersions: Promise<string> | undefined;

/** Compiler and linker versions: an upgraded toolchain makes different binaries. */
function toolchain(): Promise<string> {
  toolchainVersions ??= Promise.all([runCommand('gcc', ['--version']), runCommand('ld', ['--version'])]).then((outs) =>
    outs.map((o) => o.stdout.split('\n')[0]).join('; '),
  );
  return toolchainVersions;
}
