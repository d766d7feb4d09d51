import { UserError } from '../util/user-error.js';

/**
 * Removes byte ranges that legitimately differ between production and the
 * replica (timestamps, request ids) before exchanges are hashed. Patterns are
 * JavaScript regular expressions applied to the bytes read as Latin-1, so each
 * byte is one character and `\d`, `[0-9a-f]` etc. mean what they say on ASCII.
 */
export class NoiseFilter {
  private readonly patterns: RegExp[];

  constructor(readonly sources: readonly string[]) {
    this.patterns = sources.map((source) => {
      try {
        return new RegExp(source, 'g');
      } catch (err) {
        throw new UserError(`--ignore: bad regular expression '${source}': ${(err as Error).message}`);
      }
    });
  }

  get isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  mask(bytes: Buffer): Buffer {
    let text = bytes.toString('latin1');
    for (const pattern of this.patterns) text = text.replace(pattern, '');
    return Buffer.from(text, 'latin1');
  }
}
