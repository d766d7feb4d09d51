/**
 * A deterministic, text-like corpus for the compressors: the same bytes for
 * the same (size, seed) on every machine and Node version. It mixes the kinds
 * of data services compress (prose with a Zipf-like vocabulary, log lines,
 * numeric tables), so ratios and code paths look like real input rather than
 * random bytes (incompressible) or repeats (trivial).
 */
export function generateCorpus(bytes: number, seed = 1): Buffer {
  const key = `${bytes}:${seed}`;
  let corpus = memo.get(key);
  if (!corpus) {
    corpus = build(bytes, seed);
    memo.set(key, corpus);
  }
  return corpus;
}

const memo = new Map<string, Buffer>();

/** mulberry32: 32-bit state, good enough spread, and exactly reproducible with Math.imul. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'ro', 'ten', 'mi', 'sul', 'de', 'va', 'lor', 'pe', 'chi', 'an', 'os', 'tri', 'ne', 'gu', 'ble', 'st', 'ir', 'mo', 'qua'];
const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const PATHS = ['/api/v1/items', '/api/v1/users', '/static/app.js', '/login', '/api/v2/search', '/health'];

function build(bytes: number, seed: number): Buffer {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const vocabulary = Array.from({ length: 4000 }, () =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join(''),
  );
  // r^2.5 of a uniform r skews towards the start of the vocabulary (a few words
  // are very frequent). Written with sqrt, which IEEE 754 rounds exactly, where
  // pow's last bit may differ between engines.
  const word = (): string => {
    const r = random();
    return vocabulary[Math.floor(r * r * Math.sqrt(r) * vocabulary.length)]!;
  };

  const chunks: string[] = [];
  let size = 0;
  let clock = Date.UTC(2024, 0, 1);
  const push = (text: string): void => {
    chunks.push(text);
    size += text.length;
  };
  while (size < bytes) {
    const kind = random();
    if (kind < 0.5) {
      for (let sentence = 0; sentence < 40; sentence++) {
        const words = Array.from({ length: 4 + Math.floor(random() * 14) }, word);
        words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
        push(`${words.join(' ')}${pick(['.', '.', '.', '?', '!', ';'])}${random() < 0.15 ? '\n\n' : ' '}`);
      }
    } else if (kind < 0.8) {
      for (let line = 0; line < 40; line++) {
        clock += Math.floor(random() * 2000);
        const id = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
        push(
          `${new Date(clock).toISOString()} ${pick(LEVELS)} [worker-${Math.floor(random() * 16)}] request id=${id} ` +
            `path=${pick(PATHS)}/${Math.floor(random() * 100000)} status=${pick([200, 200, 200, 304, 404, 500])} ` +
            `bytes=${Math.floor(random() * 65536)} ms=${(random() * 250).toFixed(3)}\n`,
        );
      }
    } else {
      for (let row = 0; row < 60; row++) {
        const cells = Array.from({ length: 8 }, (_, i) => (i === 0 ? word() : (random() * 10 ** (i % 5)).toFixed(i % 4)));
        push(`${cells.join(',')}\n`);
      }
    }
  }
  return Buffer.from(chunks.join(''), 'latin1').subarray(0, bytes);
}
