/**
 * A streaming 52-bit hash for telling exchanges apart: two 32-bit lanes in the
 * style of MurmurHash3, each with its own multipliers, over little-endian
 * 4-byte words. Written in JavaScript so that hashing allocates nothing: a
 * node:crypto Hash is a native object with a finaliser, two per exchange, and
 * at tens of thousands of exchanges a second their churn showed in the proxy's
 * garbage collection, which production's requests wait on.
 *
 * The digest is a plain number (52 of the lanes' 64 bits, exact in a double),
 * so a queued exchange record holds no string. Two different answers get the
 * same digest with a chance of about 2^-52. It is
 * no defence against collisions crafted on purpose, which this comparison of
 * production's and the replica's answers does not need.
 */
export class StreamHash {
  private a = SEED_A;
  private b = SEED_B;
  /** Bytes of an unfinished word, low byte first, and how many there are (0..3). */
  private word = 0;
  private wordBytes = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  reset(): void {
    this.a = SEED_A;
    this.b = SEED_B;
    this.word = 0;
    this.wordBytes = 0;
    this.total = 0;
  }

  update(bytes: Uint8Array): void {
    const end = bytes.length;
    this.total += end;
    let i = 0;
    while (this.wordBytes !== 0 && i < end) this.pushByte(bytes[i++]!);
    let a = this.a;
    let b = this.b;
    for (; i + 4 <= end; i += 4) {
      const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
      a = mixA(a, k);
      b = mixB(b, k);
    }
    this.a = a;
    this.b = b;
    while (i < end) this.pushByte(bytes[i++]!);
  }

  /** The hash of everything since the last reset, an integer below 2^52; the state is left as it was. */
  digest(): number {
    let a = this.a;
    let b = this.b;
    if (this.wordBytes !== 0) {
      // The partial word, padded with zero bytes; the length below tells "ab" from "ab\0".
      a = mixA(a, this.word);
      b = mixB(b, this.word);
    }
    a = finish(a ^ this.total);
    b = finish(b ^ Math.floor(this.total / 0x1_0000_0000) ^ this.total);
    return a * 2 ** 20 + (b >>> 12);
  }

  private pushByte(byte: number): void {
    this.word |= byte << (8 * this.wordBytes);
    if (++this.wordBytes < 4) return;
    this.a = mixA(this.a, this.word);
    this.b = mixB(this.b, this.word);
    this.word = 0;
    this.wordBytes = 0;
  }
}

const SEED_A = 0x9747b28c;
const SEED_B = 0x2f6b7a51;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3's block step. */
function mixA(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = Math.imul(rotl(k, 15), 0x1b873593);
  h = rotl(h ^ k, 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The same shape with other odd multipliers and rotations, so that the lanes do not collide together. */
function mixB(h: number, word: number): number {
  let k = Math.imul(word, 0x85ebca6b);
  k = Math.imul(rotl(k, 17), 0xc2b2ae35);
  h = rotl(h ^ k, 11);
  return (Math.imul(h, 9) + 0x38495ab5) | 0;
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
