import { compileAndLink } from '../compile-c.js';
import { compressorRoundTrip } from '../compressor-round-trip.js';
import type { Program } from '../program.js';
import { sourceFiles } from '../source-files.js';

const MB = 1 << 20;

/**
 * zstd 1.5.4: the library and the CLI compiled together, as programs/Makefile's
 * zstd-nolegacy does. Built without ZSTD_MULTITHREAD: one thread compresses
 * and no I/O thread runs beside it, so runs compare the code, not scheduling.
 */
export const zstd: Program = {
  name: 'zstd',
  sourcePackage: 'libzstd',
  summary: 'zstd -3 and -12 (and the hand-written x86-64 Huffman decoder), each compressed and decompressed (quick 8 MB, full 32 MB)',
  binaries: ['zstd'],
  recipeRevision: 1,

  async build(ctx) {
    const dir = ctx.source.dir;
    await compileAndLink(ctx, {
      sources: [
        ...(await sourceFiles(dir, 'lib/common')),
        ...(await sourceFiles(dir, 'lib/compress')),
        ...(await sourceFiles(dir, 'lib/decompress', ['.c', '.S'])),
        ...(await sourceFiles(dir, 'lib/dictBuilder')),
        ...(await sourceFiles(dir, 'programs')),
      ],
      includeDirs: ['lib', 'lib/common', 'lib/compress', 'lib/dictBuilder', 'programs'],
      defines: ['XXH_NAMESPACE=ZSTD_', 'ZSTD_LEGACY_SUPPORT=0', 'BACKTRACE_ENABLE=0'],
      cflags: ['-Wall'],
      output: 'zstd',
    });
  },

  run(binaries, { size, workDir }) {
    return compressorRoundTrip(
      binaries.zstd!,
      [
        { label: 'zstd-3', compress: ['-q', '-3', '-c'], decompress: ['-q', '-d', '-c'] },
        { label: 'zstd-12', compress: ['-q', '-12', '-c'], decompress: ['-q', '-d', '-c'] },
      ],
      size === 'quick' ? 8 * MB : 32 * MB,
      workDir,
    );
  },
};
