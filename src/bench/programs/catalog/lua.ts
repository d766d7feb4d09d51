import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAndLink } from '../compile-c.js';
import type { Program } from '../program.js';
import { timedRun } from '../timed-run.js';

// src/bench/programs/catalog and dist/bench/programs/catalog are both four levels below the root.
const SCRIPT = fileURLToPath(new URL('../../../../fixtures/programs/lua-cpu.lua', import.meta.url));

/** The interpreter and its standard libraries, as upstream's Makefile lists them (luac.c is the compiler). */
const SOURCES = [
  ...['lapi', 'lcode', 'lctype', 'ldebug', 'ldo', 'ldump', 'lfunc', 'lgc', 'llex', 'lmem', 'lobject', 'lopcodes'],
  ...['lparser', 'lstate', 'lstring', 'ltable', 'ltm', 'lundump', 'lvm', 'lzio'],
  ...['lauxlib', 'lbaselib', 'lcorolib', 'ldblib', 'liolib', 'lmathlib', 'loadlib', 'loslib', 'lstrlib', 'ltablib'],
  ...['lutf8lib', 'linit', 'lua'],
].map((name) => `src/${name}.c`);

/** What lua-cpu.lua prints at scale 1, checked on the quick size so a miscompiled interpreter cannot pass. */
const QUICK_OUTPUT = [
  'binary-trees 649904',
  'fannkuch 8629 30',
  'spectral-norm 1.274219991',
  'text 1300 id 20000 20000 3125971820',
  'primes 5010567595',
  'orbits 0.648314271',
].join('\n');

/** lua5.4 5.4.4, compiled from its C files like upstream's `make linux` (no readline). */
export const lua: Program = {
  name: 'lua',
  sourcePackage: 'lua5.4',
  summary: 'the lua interpreter on a CPU-bound script: GC, tables, closures, strings, coroutines, floats (quick scale 1, full scale 4)',
  binaries: ['lua'],
  recipeRevision: 1,

  async build(ctx) {
    // Debian's luaconf.h includes a header that debian/rules generates.
    await fs.writeFile(path.join(ctx.workDir, 'lua5.4-deb-multiarch.h'), '#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"\n');
    await compileAndLink(ctx, {
      sources: SOURCES,
      includeDirs: [ctx.workDir],
      defines: ['LUA_COMPAT_5_3', 'LUA_USE_LINUX'],
      cflags: ['-std=gnu99', '-Wall'],
      // -Wl,-E exports the API so C modules loaded with require() could link against it.
      libs: ['-lm', '-ldl', '-Wl,-E'],
      output: 'lua',
    });
  },

  async run(binaries, { size }) {
    const scale = size === 'quick' ? 1 : 4;
    const run = await timedRun(binaries.lua!, [SCRIPT, String(scale)]);
    const output = run.stdout.trim();
    if (size === 'quick' && output !== QUICK_OUTPUT) {
      throw new Error(`lua-cpu.lua printed unexpected results:\n${output}\nexpected:\n${QUICK_OUTPUT}`);
    }
    if (output.split('\n').length !== 6) throw new Error(`lua-cpu.lua printed ${output.split('\n').length} lines, not 6:\n${output}`);
    return { seconds: run.seconds, outputDigest: createHash('sha256').update(output).digest('hex') };
  },
};
