import { compileAndLink } from '../compile-c.js';
import { compressorRoundTrip } from '../compressor-round-trip.js';
import type { Program } from '../program.js';

const MB = 1 << 20;

/** bzip2 1.0.8: eight C files, no configure; compiled the way its Makefile does. */
export const bzip2: Program = {
  name: 'bzip2',
  sourcePackage: 'bzip2',
  summary: 'bzip2 -1 and -9, each compressed and decompressed, on a generated text corpus (quick 4 MB, full 16 MB)',
  binaries: ['bzip2'],
  recipeRevision: 1,

  build(ctx) {
    return compileAndLink(ctx, {
      sources: ['blocksort.c', 'huffman.c', 'crctable.c', 'randtable.c', 'compress.c', 'decompress.c', 'bzlib.c', 'bzip2.c'],
      defines: ['_FILE_OFFSET_BITS=64'],
      cflags: ['-Wall', '-Winline'],
      output: 'bzip2',
    });
  },

  run(binaries, { size, workDir }) {
    return compressorRoundTrip(
      binaries.bzip2!,
      [
        { label: 'bzip2-1', compress: ['-1', '-c'], decompress: ['-d', '-c'] },
        { label: 'bzip2-9', compress: ['-9', '-c'], decompress: ['-d', '-c'] },
      ],
      size === 'quick' ? 4 * MB : 16 * MB,
      workDir,
    );
  },
};
