/**
 * The identity of a file a process maps (build-id, size, digests), found
 * through the process's own view of it and read as little as the question
 * needs: build-id and size come from the headers; a digest is computed only
 * when a probe list's build-id and size have matched and it asks for one;
 * whatever was computed is cached (identity-cache.ts), so the next call on
 * the same file reads its headers and nothing else.
 */
import { createHash } from 'node:crypto';
import type { ElfSegment } from '../elf/elf-file.js';
import type { ElfFileReader } from '../elf/elf-file-reader.js';
import type { ObservedBinary } from '../probelist/identity-match.js';
import { cachedIdentity, rememberIdentity, type CachedIdentity } from './identity-cache.js';
import type { LoadedObject } from './loaded-objects.js';
import { withObjectElf } from './object-elf.js';

/** What identifying objects has cost in this process (tests and `iprobe bench` look at it). */
export const identityWork = {
  /** Objects whose headers were read for their build-id and size. */
  objectsOpened: 0,
  /** Bytes run through SHA-256; none when every digest came from the cache. */
  bytesHashed: 0,
};

/**
 * Runs `use` on the observation of a mapped object while its file is open.
 * undefined when the object is not an x86-64 ELF file or cannot be opened.
 */
export function withObservedObject<T>(
  pid: number,
  object: LoadedObject,
  use: (observed: ObservedBinary, segments: readonly ElfSegment[]) => T,
): T | undefined {
  return withObjectElf(pid, object, (elf) => use(observe(elf), elf.segments));
}

function observe(elf: ElfFileReader): ObservedBinary {
  identityWork.objectsOpened++;
  const stat = elf.stat();
  // Only digests are worth a cache entry: a build-id costs a few small reads.
  const known: CachedIdentity = cachedIdentity(stat) ?? { buildId: elf.buildId() ?? null };
  const digest = (feed: (consume: (bytes: Buffer) => void) => void): string => {
    const hash = createHash('sha256');
    feed((bytes) => {
      identityWork.bytesHashed += bytes.length;
      hash.update(bytes);
    });
    return hash.digest('hex');
  };
  return {
    buildId: known.buildId,
    size: Number(stat.size),
    loadSha256: () => {
      if (known.loadSha256 === undefined) {
        known.loadSha256 = digest((consume) => elf.forEachLoadedChunk(consume));
        rememberIdentity(stat, known);
      }
      return known.loadSha256;
    },
    sha256: () => {
      if (known.sha256 === undefined) {
        known.sha256 = digest((consume) => elf.forEachChunk(0, elf.size, consume));
        rememberIdentity(stat, known);
      }
      return known.sha256;
    },
  };
}
