import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BufferBudget } from '../../src/parikshan/buffer-budget.js';
import { parseDuration } from '../../src/util/parse-duration.js';
import { parseByteSize } from '../../src/util/parse-size.js';
import { ExchangeRecorder, exchangesMatch, firstDifference, MASK_WINDOW_BYTES } from '../../src/parikshan/exchange-recorder.js';
import { BYTE_QUEUE_BLOCK_BYTES, ByteQueue } from '../../src/parikshan/byte-queue.js';
import { ConnectionOrder } from '../../src/parikshan/connection-order.js';
import { Fifo } from '../../src/parikshan/fifo.js';
import { QueuedHeads, REPEATED_HEAD } from '../../src/parikshan/queued-heads.js';
import { StreamHash } from '../../src/parikshan/stream-hash.js';
import { TurnQueue } from '../../src/parikshan/turn-queue.js';
import { parseHostPort } from '../../src/parikshan/host-port.js';
import { NoiseFilter } from '../../src/parikshan/noise-filter.js';
import { UserError } from '../../src/util/user-error.js';

describe('option parsing', () => {
  test('addresses default to 127.0.0.1 and reject what is not HOST:PORT', () => {
    expect(parseHostPort('6380', '--listen', { listening: true })).toEqual({ host: '127.0.0.1', port: 6380 });
    expect(parseHostPort('0.0.0.0:80', '--listen', { listening: true })).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseHostPort('[::1]:80', '--debug', { listening: false })).toEqual({ host: '::1', port: 80 });
    for (const bad of ['', 'host:', ':80', 'host:99999', 'host:http', '::1:80']) {
      expect(() => parseHostPort(bad, '--debug', { listening: false })).toThrow(UserError);
    }
    expect(() => parseHostPort('127.0.0.1:0', '--production', { listening: false })).toThrow(/only meaningful for listening/);
  });

  test('sizes and durations', () => {
    expect(parseByteSize('4MiB', '--buffer')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('256mb', '--buffer')).toBe(256 * 1024 * 1024);
    expect(parseByteSize('100000', '--buffer')).toBe(100000);
    expect(parseByteSize('1.5k', '--buffer')).toBe(1536);
    for (const bad of ['0', '-1', '4 parsecs', 'MiB']) expect(() => parseByteSize(bad, '--buffer')).toThrow(UserError);
    expect(parseDuration('250ms', '--exchange-timeout', { defaultUnit: 'ms' })).toBe(250);
    expect(parseDuration('2', '--drain-timeout')).toBe(2000);
    expect(() => parseDuration('soon', '--drain-timeout')).toThrow(UserError);
  });
});

describe('exchanges', () => {
  const record = (chunks: string[], filter?: NoiseFilter) => {
    const recorder = new ExchangeRecorder(1, 0, filter);
    for (const chunk of chunks) recorder.push(Buffer.from(chunk, 'latin1'));
    return recorder.finish(0);
  };

  test('the digest does not depend on how the bytes were chunked', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(2000)), (bytes, cuts) => {
        const text = Buffer.from(bytes).toString('latin1');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...points, text.length].slice(1).map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));
        expect(exchangesMatch(record([text]), record(pieces))).toBe(true);
      }),
    );
  });

  test('the hash tells apart answers that differ in one byte, in length, or by trailing zero bytes', () => {
    const hashOf = (bytes: Uint8Array) => {
      const hash = new StreamHash();
      hash.update(bytes);
      return hash.digest();
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
        const changed = Uint8Array.from(bytes);
        changed[at % bytes.length]! ^= flip;
        expect(hashOf(changed)).not.toBe(hashOf(bytes));
        expect(hashOf(bytes.subarray(1))).not.toBe(hashOf(bytes));
        expect(hashOf(Uint8Array.from([...bytes, 0]))).not.toBe(hashOf(bytes));
      }),
    );
    const hash = new StreamHash();
    hash.update(Buffer.from('some answer'));
    hash.reset();
    expect(hash.digest()).toBe(hashOf(new Uint8Array(0)));
  });

  test('the first difference is found within the head, and reported unknown beyond it', () => {
    expect(firstDifference(record(['$5\r\nhello']), record(['$5\r\nhellO']))).toBe(8);
    expect(firstDifference(record(['abc']), record(['abcdef']))).toBe(3);
    const long = 'x'.repeat(2000);
    expect(firstDifference(record([long + 'a']), record([long + 'b']))).toBeUndefined();
    expect(exchangesMatch(record([long + 'a']), record([long + 'b']))).toBe(false);
  });

  test('--ignore removes noisy ranges before hashing, also across chunk boundaries inside a window', () => {
    const filter = new NoiseFilter(['Date: [^\\r]*']);
    const a = record(['HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\nbody'], filter);
    const b = record(['HTTP/1.1 200 OK\r\nDa', 'te: Tue, 02 Jan 2024 11:11:11 GMT\r\n\r\nbody'], filter);
    expect(exchangesMatch(a, b)).toBe(true);
    expect(a.length).not.toBe(a.comparedLength);
    const c = record(['HTTP/1.1 200 OK\r\nDate: whenever\r\n\r\nBODY'], filter);
    expect(exchangesMatch(a, c)).toBe(false);
    expect(() => new NoiseFilter(['('])).toThrow(/bad regular expression/);
  });

  test('with --ignore, a large exchange is masked window by window with bounded memory', () => {
    const filter = new NoiseFilter(['\\d']);
    const big = 'a1'.repeat(MASK_WINDOW_BYTES * 2);
    const summary = record([big], filter);
    expect(summary.comparedLength).toBe(MASK_WINDOW_BYTES * 2);
  });
});

describe('queue and budget', () => {
  test('Fifo keeps order through pushes, shifts and compaction', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 5000 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const push of ops) {
          if (push) {
            fifo.push(next);
            model.push(next++);
          } else expect(fifo.shift()).toBe(model.shift());
        }
        expect([...fifo]).toEqual(model);
        expect(fifo.length).toBe(model.length);
      }),
    );
  });

  test('ByteQueue gives back the bytes appended, in order, however appends and takes interleave', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(3 * BYTE_QUEUE_BLOCK_BYTES).map((size) => ({ append: size })), fc.nat(1).map(() => ({ take: true })))),
        (ops) => {
          const queue = new ByteQueue();
          const appended: Buffer[] = [];
          const taken: Buffer[] = [];
          let next = 0;
          for (const op of ops) {
            if ('append' in op) {
              const chunk = Buffer.alloc(op.append);
              for (let i = 0; i < chunk.length; i++) chunk[i] = next++ & 0xff;
              appended.push(Buffer.from(chunk));
              queue.append(chunk);
              // A small append is copied (a socket read's buffer is not held); a large one is kept as it is.
              if (op.append < BYTE_QUEUE_BLOCK_BYTES / 2) chunk.fill(0xee);
            } else {
              queue.take(Math.ceil(queue.length / 2), (piece) => taken.push(Buffer.from(piece)));
            }
          }
          queue.take(queue.length, (piece) => taken.push(piece));
          expect(queue.length).toBe(0);
          expect(Buffer.concat(taken).equals(Buffer.concat(appended))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('ConnectionOrder starts a connection exactly when nothing numbered before its opening is owed', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(7), fc.nat(3)), { maxLength: 300 }), (ops) => {
        const order = new ConnectionOrder();
        const entries = Array.from({ length: 8 }, () => order.entry());
        // The model: what each connection owes, as the numbers of its events not yet given to the replica.
        const owed: number[][] = entries.map(() => []);
        const started: boolean[] = [];
        const opened: number[] = [];
        const check = () => {
          const oldest = Math.min(...owed.flat());
          opened.forEach((after, i) => expect(started[i]).toBe(after < oldest));
        };
        for (const [c, action] of ops) {
          if (action === 0) owed[c]!.push(order.nextEvent());
          else if (action === 1) owed[c]!.shift();
          else if (action === 2) owed[c] = [];
          else {
            // The connection opens after this event (an event of its own, owed by nobody).
            const i = opened.push(order.nextEvent()) - 1;
            started[i] = false;
            order.startAfterOwed(() => (started[i] = true));
          }
          order.setOwed(entries[c]!, owed[c]![0] ?? Infinity);
          check();
        }
      }),
    );
  });

  test('ConnectionOrder stays cheap with thousands of connections left behind by a stalled replica', () => {
    const order = new ConnectionOrder();
    const started = Date.now();
    const behind = Array.from({ length: 20_000 }, () => order.entry());
    for (const entry of behind) order.setOwed(entry, order.nextEvent());
    let running = 0;
    for (let i = 0; i < 20_000; i++) order.startAfterOwed(() => running++);
    for (const entry of behind) order.setOwed(entry, Infinity);
    expect(running).toBe(20_000);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('TurnQueue keeps items and their numbers in order through growth, wrap-around and merged data', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(4), { maxLength: 3000 }), (ops) => {
        const queue = new TurnQueue();
        type Item = { kind: string; event: number; length: number; digest?: number };
        const model: Item[] = [];
        let event = 0;
        for (const op of ops) {
          event++;
          if (op === 0) {
            queue.pushData(event, 3);
            const last = model.at(-1);
            if (last?.kind === 'data') last.length += 3;
            else model.push({ kind: 'data', event, length: 3 });
          } else if (op === 1) {
            const production = { index: event, length: event * 7, comparedLength: event, digest: 2 ** 52 - event, head: Buffer.alloc(0), outputOffset: 1 };
            queue.pushCompare({ event, production, headLength: 5, requestOffset: event * 3, cost: 69 });
            model.push({ kind: 'compare', event, length: event * 7, digest: 2 ** 52 - event });
          } else if (op === 2) {
            queue.pushMarker('end', event);
            model.push({ kind: 'end', event, length: 0 });
          } else {
            queue.shift();
            model.shift();
          }
          expect(queue.length).toBe(model.length);
          const head = model[0];
          expect(queue.headKind()).toBe(head?.kind);
          if (!head) continue;
          expect(queue.headEvent()).toBe(head.event);
          if (head.kind !== 'end') expect(queue.headLength()).toBe(head.length);
          if (head.kind === 'compare') expect(queue.headCompare()).toMatchObject({ requestOffset: head.event * 3, production: { digest: head.digest } });
        }
      }),
    );
  });

  test('QueuedHeads stores a head once when the next repeats it, and gives every head back in order', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('', 'HTTP/1.1 200 OK', '$3\r\nabc', 'x'.repeat(1024))), (texts) => {
        const heads = new QueuedHeads();
        const stored = texts.map((text, i) => {
          const result = heads.put(Buffer.from(text));
          expect(result === REPEATED_HEAD).toBe(i > 0 && texts[i - 1] === text);
          return result;
        });
        stored.forEach((s, i) => expect(heads.take(s).toString()).toBe(texts[i]));
      }),
    );
  });

  test('BufferBudget admits exactly up to its limit', () => {
    const budget = new BufferBudget(10);
    expect(budget.tryReserve(10)).toBe(true);
    expect(budget.tryReserve(1)).toBe(false);
    budget.release(4);
    expect(budget.tryReserve(5)).toBe(false);
    expect(budget.tryReserve(4)).toBe(true);
    expect(() => budget.release(11)).toThrow();
  });
});
