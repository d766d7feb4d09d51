/**
 * The SPEC CPU benchmarks iprobe-spec knows, with their source languages, and
 * the selection rule: C and C++ benchmarks are built, anything with Fortran
 * in it is skipped (iprobe coldpatches what gcc/g++ instrument; the mixed
 * C/Fortran benchmarks would need gfortran and a Fortran-aware comparison).
 */
import { UserError } from '../util/user-error.js';

export type SpecVersion = 'cpu2006' | 'cpu2017';
export type SourceLanguage = 'C' | 'C++' | 'Fortran';

export interface SpecBenchmark {
  /** As runcpu/runspec name it: 505.mcf_r, 429.mcf. */
  name: string;
  suite: string;
  languages: readonly SourceLanguage[];
}

export interface SkippedBenchmark {
  benchmark: string;
  reason: string;
}

const C: SourceLanguage[] = ['C'];
const CXX: SourceLanguage[] = ['C++'];
const F: SourceLanguage[] = ['Fortran'];

function suite(name: string, entries: [string, SourceLanguage[]][]): SpecBenchmark[] {
  return entries.map(([benchmark, languages]) => ({ name: benchmark, suite: name, languages }));
}

// Languages as listed in each benchmark's description (Docs/benchmarks/*.html).
const CPU2017: SpecBenchmark[] = [
  ...suite('intrate', [
    ['500.perlbench_r', C], ['502.gcc_r', C], ['505.mcf_r', C], ['520.omnetpp_r', CXX], ['523.xalancbmk_r', CXX],
    ['525.x264_r', C], ['531.deepsjeng_r', CXX], ['541.leela_r', CXX], ['548.exchange2_r', F], ['557.xz_r', C],
  ]),
  ...suite('intspeed', [
    ['600.perlbench_s', C], ['602.gcc_s', C], ['605.mcf_s', C], ['620.omnetpp_s', CXX], ['623.xalancbmk_s', CXX],
    ['625.x264_s', C], ['631.deepsjeng_s', CXX], ['641.leela_s', CXX], ['648.exchange2_s', F], ['657.xz_s', C],
  ]),
  ...suite('fprate', [
    ['503.bwaves_r', F], ['507.cactuBSSN_r', ['C++', 'C', 'Fortran']], ['508.namd_r', CXX], ['510.parest_r', CXX],
    ['511.povray_r', ['C++', 'C']], ['519.lbm_r', C], ['521.wrf_r', ['Fortran', 'C']], ['526.blender_r', ['C++', 'C']],
    ['527.cam4_r', ['Fortran', 'C']], ['538.imagick_r', C], ['544.nab_r', C], ['549.fotonik3d_r', F], ['554.roms_r', F],
  ]),
  ...suite('fpspeed', [
    ['603.bwaves_s', F], ['607.cactuBSSN_s', ['C++', 'C', 'Fortran']], ['619.lbm_s', C], ['621.wrf_s', ['Fortran', 'C']],
    ['627.cam4_s', ['Fortran', 'C']], ['628.pop2_s', ['Fortran', 'C']], ['638.imagick_s', C], ['644.nab_s', C],
    ['649.fotonik3d_s', F], ['654.roms_s', F],
  ]),
];

const CPU2006: SpecBenchmark[] = [
  ...suite('int', [
    ['400.perlbench', C], ['401.bzip2', C], ['403.gcc', C], ['429.mcf', C], ['445.gobmk', C], ['456.hmmer', C],
    ['458.sjeng', C], ['462.libquantum', C], ['464.h264ref', C], ['471.omnetpp', CXX], ['473.astar', CXX],
    ['483.xalancbmk', CXX],
  ]),
  ...suite('fp', [
    ['410.bwaves', F], ['416.gamess', F], ['433.milc', C], ['434.zeusmp', F], ['435.gromacs', ['C', 'Fortran']],
    ['436.cactusADM', ['C', 'Fortran']], ['437.leslie3d', F], ['444.namd', CXX], ['447.dealII', CXX], ['450.soplex', CXX],
    ['453.povray', CXX], ['454.calculix', ['C', 'Fortran']], ['459.GemsFDTD', F], ['465.tonto', F], ['470.lbm', C],
    ['481.wrf', ['C', 'Fortran']], ['482.sphinx3', C],
  ]),
];

const CATALOG: Record<SpecVersion, SpecBenchmark[]> = { cpu2006: CPU2006, cpu2017: CPU2017 };

export const SUITES: Record<SpecVersion, readonly string[]> = {
  cpu2017: ['intrate', 'fprate', 'intspeed', 'fpspeed'],
  cpu2006: ['int', 'fp'],
};

export const VERSION_NAMES: Record<SpecVersion, string> = { cpu2006: 'SPEC CPU2006', cpu2017: 'SPEC CPU2017' };

export function benchmarksOf(version: SpecVersion, suiteName: string): SpecBenchmark[] {
  return CATALOG[version].filter((b) => b.suite === suiteName);
}

export function skipReason(benchmark: SpecBenchmark): string | undefined {
  if (!benchmark.languages.includes('Fortran')) return undefined;
  return benchmark.languages.length === 1 ? 'Fortran' : `mixed ${benchmark.languages.join('/')}: has Fortran sources`;
}

export function checkSuite(version: SpecVersion, suiteName: string): void {
  if (SUITES[version].includes(suiteName)) return;
  const other = (Object.keys(SUITES) as SpecVersion[]).find((v) => SUITES[v].includes(suiteName));
  throw new UserError(
    `unknown suite '${suiteName}' for ${VERSION_NAMES[version]}`,
    other ? `'${suiteName}' is a ${VERSION_NAMES[other]} suite; this tree is ${VERSION_NAMES[version]}` : `choose one of ${SUITES[version].join(', ')}`,
  );
}

/**
 * The benchmarks to build and run: the suite's C/C++ benchmarks, or the
 * requested ones (full name 505.mcf_r, short name mcf_r, or number 505).
 */
export function selectBenchmarks(
  version: SpecVersion,
  suiteName: string,
  requested?: readonly string[],
): { selected: SpecBenchmark[]; skipped: SkippedBenchmark[] } {
  checkSuite(version, suiteName);
  const inSuite = benchmarksOf(version, suiteName);
  if (!requested || requested.length === 0) {
    return {
      selected: inSuite.filter((b) => !skipReason(b)),
      skipped: inSuite.flatMap((b) => {
        const reason = skipReason(b);
        return reason ? [{ benchmark: b.name, reason }] : [];
      }),
    };
  }
  const selected: SpecBenchmark[] = [];
  for (const wanted of requested) {
    const found = inSuite.find((b) => matches(b.name, wanted));
    if (!found) {
      const elsewhere = CATALOG[version].find((b) => matches(b.name, wanted));
      if (elsewhere) throw new UserError(`${elsewhere.name} is in suite ${elsewhere.suite}, not ${suiteName}`);
      throw new UserError(
        `unknown benchmark '${wanted}' in ${VERSION_NAMES[version]} ${suiteName}`,
        `choose from ${inSuite.filter((b) => !skipReason(b)).map((b) => b.name).join(', ')}`,
      );
    }
    const reason = skipReason(found);
    if (reason) throw new UserError(`${found.name} cannot be measured: ${reason} (iprobe-spec builds the C and C++ benchmarks)`);
    if (!selected.includes(found)) selected.push(found);
  }
  return { selected, skipped: [] };
}

function matches(name: string, wanted: string): boolean {
  const [number, short] = name.split('.') as [string, string];
  return wanted === name || wanted === short || wanted === number;
}
