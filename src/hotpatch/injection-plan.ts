/**
 * What injecting the runtime into a process needs from the process itself:
 * its glibc's dlopen/dlerror (found through the dynamic symbol tables and
 * load biases of the objects it maps, never through our own libc), and the
 * code ranges where a thread may hold a lock that dlopen() takes. Refuses,
 * saying why, the processes injection cannot work in.
 */
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import type { ElfFileReader } from '../elf/elf-file-reader.js';
import { PT_INTERP } from '../elf/elf-constants.js';
import { isDefinedFunction, type ElfSymbol } from '../elf/symbol-table.js';
import type { BusyRange } from '../process/library-injection.js';
import { UserError } from '../util/user-error.js';
import { loadBias } from './load-bias.js';
import type { LoadedObject } from './loaded-objects.js';
import { withObjectElf } from './object-elf.js';

export interface InjectionPlan {
  dlopen: number;
  dlerror?: number;
  /** Where they were found (glibc's libc.so.6 since 2.34, libdl.so.2 before). */
  dlopenObject: string;
  loader: string;
  busy: BusyRange[];
}

/** Only glibc's ld.so exports it (GLIBC_PRIVATE). */
const GLIBC_LOADER_SYMBOL = '_rtld_global';
/** Only glibc's libc defines it. */
const GLIBC_LIBC_SYMBOL = 'gnu_get_libc_version';

/**
 * The allocator's public entry points (malloc/malloc.c). Its internals
 * (_int_malloc, sysmalloc, arena_get2, ...) are static, so a stripped libc
 * names none of them; they are compiled into the same object file, which the
 * linker lays out contiguously: the span between the exported functions
 * before and after this group holds them.
 */
const MALLOC_ENTRY_POINTS = new Set([
  'malloc', 'free', 'calloc', 'realloc', 'reallocarray', 'memalign', 'aligned_alloc', 'posix_memalign', 'valloc',
  'pvalloc', 'malloc_trim', 'malloc_usable_size', 'mallinfo', 'mallinfo2', 'malloc_stats', 'malloc_info', 'mallopt',
  '__libc_malloc', '__libc_free', '__libc_calloc', '__libc_realloc', '__libc_memalign', '__libc_valloc',
  '__libc_pvalloc', '__libc_mallinfo', '__libc_mallopt', '__default_morecore', 'cfree',
]);
/** Functions that call out (or block in the kernel) while holding dlopen's locks. */
const LOCK_HOLDING_FUNCTIONS: Record<string, Pick<BusyRange, 'what' | 'scope'>> = {
  dl_iterate_phdr: { what: 'dl_iterate_phdr (it holds the loader lock while its callback runs)', scope: 'any' },
  fork: { what: 'fork (it holds the malloc locks)', scope: 'borrowed' },
  __libc_fork: { what: 'fork (it holds the malloc locks)', scope: 'borrowed' },
  _Fork: { what: 'fork (it holds the malloc locks)', scope: 'borrowed' },
};

interface ParsedObject {
  object: LoadedObject;
  bias: number;
  /** PT_INTERP: the dynamic loader an executable asks for. */
  interpreter: string | undefined;
  functions: ElfSymbol[];
  byName: Map<string, ElfSymbol>;
}

export async function planInjection(pid: number, objects: readonly LoadedObject[]): Promise<InjectionPlan> {
  const parsed: ParsedObject[] = [];
  for (const object of objects) {
    if (!object.mappings.some((m) => m.executable)) continue;
    const found = withObjectElf(pid, object, (elf): ParsedObject | undefined => {
      const bias = loadBias(elf.segments, object.mappings);
      if (bias === undefined) return undefined;
      const symbols = elf.dynamicSymbols();
      const byName = new Map<string, ElfSymbol>();
      for (const s of symbols) if (s.value !== 0 && s.sectionIndex !== 0 && !byName.has(s.name)) byName.set(s.name, s);
      return { object, bias, interpreter: interpreterOf(elf), functions: symbols.filter(isDefinedFunction), byName };
    });
    if (found) parsed.push(found);
  }

  const loader = parsed.find((p) => p.byName.has(GLIBC_LOADER_SYMBOL));
  const libc = parsed.find((p) => p.byName.has(GLIBC_LIBC_SYMBOL));
  if (!loader || !libc) throw refusal(pid, parsed);

  const libdl = parsed.find((p) => /^libdl\.so/.test(path.basename(p.object.path)));
  const entry =
    (libc.byName.has('dlopen') && { where: libc, dlopen: 'dlopen', dlerror: 'dlerror' }) ||
    (libdl?.byName.has('dlopen') && { where: libdl, dlopen: 'dlopen', dlerror: 'dlerror' }) ||
    (libc.byName.has('__libc_dlopen_mode') && { where: libc, dlopen: '__libc_dlopen_mode', dlerror: '' });
  if (!entry) {
    throw new UserError(
      `process ${pid}: its glibc (${libc.object.path}) exports no dlopen, and no libdl is loaded`,
      'start the service with the runtime preloaded: iprobe run -- <program>',
    );
  }
  const at = (p: ParsedObject, name: string) => p.byName.get(name)!.value + p.bias;
  return {
    dlopen: at(entry.where, entry.dlopen),
    dlerror: entry.dlerror && entry.where.byName.has(entry.dlerror) ? at(entry.where, entry.dlerror) : undefined,
    dlopenObject: entry.where.object.path,
    loader: loader.object.path,
    busy: [...loaderRanges(loader), ...libcRanges(libc)],
  };
}

function loaderRanges(loader: ParsedObject): BusyRange[] {
  const what = `the dynamic loader (${path.basename(loader.object.path)})`;
  return loader.object.mappings.filter((m) => m.executable).map((m) => ({ start: m.start, end: m.end, what, scope: 'any' as const }));
}

function libcRanges(libc: ParsedObject): BusyRange[] {
  const ranges: BusyRange[] = [];
  const sorted = [...libc.functions].sort((a, b) => a.value - b.value);
  const inMalloc = sorted.map((s) => MALLOC_ENTRY_POINTS.has(s.name));
  const first = inMalloc.indexOf(true);
  const last = inMalloc.lastIndexOf(true);
  if (first >= 0) {
    // From the end of the exported function before the group to the start of the one after it.
    let before = first - 1;
    while (before >= 0 && sorted[before]!.value === sorted[first]!.value) before--;
    let after = last + 1;
    while (after < sorted.length && sorted[after]!.value === sorted[last]!.value) after++;
    const start = before >= 0 ? sorted[before]!.value + sorted[before]!.size : sorted[first]!.value;
    const end = after < sorted.length ? sorted[after]!.value : sorted[last]!.value + sorted[last]!.size;
    ranges.push({ start: start + libc.bias, end: end + libc.bias, what: 'malloc (it may hold an arena lock)', scope: 'borrowed' });
  }
  for (const s of libc.functions) {
    const holder = LOCK_HOLDING_FUNCTIONS[s.name];
    if (holder && s.size > 0) ranges.push({ start: s.value + libc.bias, end: s.value + s.size + libc.bias, ...holder });
  }
  return ranges;
}

function interpreterOf(elf: ElfFileReader): string | undefined {
  const segment = elf.segments.find((s) => s.type === PT_INTERP);
  const bytes = segment && elf.read(segment.offset, segment.fileSize);
  return bytes?.toString('latin1').replace(/\0.*$/s, '');
}

function refusal(pid: number, parsed: readonly ParsedObject[]): UserError {
  let exe: string | undefined;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    exe = undefined;
  }
  const main = parsed.find((p) => p.object.path === exe) ?? parsed[0];
  if (main && main.interpreter === undefined && parsed.every((p) => p === main)) {
    return new UserError(
      `process ${pid} (${main.object.path}) is statically linked: it has no dynamic loader, so no library can be loaded into it`,
      'instrumented static binaries cannot use the iprobe runtime; link the service dynamically',
    );
  }
  const loaderPath = main?.interpreter;
  return new UserError(
    `process ${pid} does not run on glibc${loaderPath ? ` (its dynamic loader is ${loaderPath})` : ''}: iprobe injects its runtime only through glibc's dlopen`,
    'start the service with the runtime preloaded instead: LD_PRELOAD=<libiprobe_runtime.so> (iprobe run does this)',
  );
}
