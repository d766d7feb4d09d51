import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { generateCorpus } from './corpus.js';
import type { WorkloadResult } from './program.js';
import { timedRun } from './timed-run.js';
import { withWorkDir } from './work-dir.js';

/** One compression setting: the arguments before the input file name, each writing to stdout. */
export interface CompressorPass {
  label: string;
  compress: readonly string[];
  decompress: readonly string[];
}

/**
 * The compressors' shared workload: for each pass, compress the generated
 * corpus, decompress the result, and check the round trip. Only the two
 * program runs are timed. The digest covers every compressed stream, so a
 * variant that compresses differently (not just wrongly) is caught too.
 */
export async function compressorRoundTrip(
  binary: string,
  passes: readonly CompressorPass[],
  corpusBytes: number,
  workDir: string | undefined,
): Promise<WorkloadResult> {
  return withWorkDir(workDir, path.basename(binary), async (dir) => {
    const corpus = generateCorpus(corpusBytes);
    const corpusSha = sha256(corpus);
    const corpusFile = path.join(dir, 'corpus.txt');
    await fs.writeFile(corpusFile, corpus);

    const digest = createHash('sha256');
    const details: Record<string, number> = {};
    let seconds = 0;
    for (const pass of passes) {
      const packed = path.join(dir, `corpus.${pass.label}`);
      const unpacked = path.join(dir, `corpus.${pass.label}.out`);
      const compression = await timedRun(binary, [...pass.compress, corpusFile], { stdoutFile: packed });
      const decompression = await timedRun(binary, [...pass.decompress, packed], { stdoutFile: unpacked });
      const packedBytes = await fs.readFile(packed);
      const unpackedSha = sha256(await fs.readFile(unpacked));
      if (unpackedSha !== corpusSha) {
        throw new Error(`${binary} ${pass.label}: decompressed output differs from the corpus (${unpackedSha} != ${corpusSha})`);
      }
      digest.update(`${pass.label} ${sha256(packedBytes)} ${unpackedSha}\n`);
      seconds += compression.seconds + decompression.seconds;
      details[`${pass.label} ratio`] = Number((corpus.length / packedBytes.length).toFixed(3));
      details[`${pass.label} compress s`] = compression.seconds;
      details[`${pass.label} decompress s`] = decompression.seconds;
      await fs.rm(unpacked);
    }
    return { seconds, outputDigest: digest.digest('hex'), details };
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
