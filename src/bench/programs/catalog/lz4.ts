import { compileAndLink } from '../compile-c.js';
import { compressorRoundTrip } from '../compressor-round-trip.js';
import type { Program } from '../program.js';
import { sourceFiles } from '../source-files.js';

const MB = 1 << 20;

/** lz4 1.9.4: the library and the CLI (no configure, as programs/Makefile builds `lz4`). */
export const lz4: Program = {
  name: 'lz4',
  sourcePackage: 'lz4',
  summary: 'lz4 -1 (fast) and -9 (HC), each compressed and decompressed (quick 16 MB, full 64 MB)',
  binaries: ['lz4'],
  recipeRevision: 1,

  async build(ctx) {
    const dir = ctx.source.dir;
    await compileAndLink(ctx, {
      sources: [...(await sourceFiles(dir, 'lib')), ...(await sourceFiles(dir, 'programs'))],
      includeDirs: ['lib'],
      cflags: ['-Wall'],
      output: 'lz4',
    });
  },

  run(binaries, { size, workDir }) {
    return compressorRoundTrip(
      binaries.lz4!,
      [
        { label: 'lz4-1', compress: ['-q', '-1', '-c'], decompress: ['-q', '-d', '-c'] },
        { label: 'lz4-9', compress: ['-q', '-9', '-c'], decompress: ['-q', '-d', '-c'] },
      ],
      size === 'quick' ? 16 * MB : 64 * MB,
      workDir,
    );
  },
};
