import { beforeAll, describe, expect, it } from 'vitest';
import { RuntimeSegment } from '../../src/runtime/segment.js';
import { Fixture, callsByName, compileFixture, trackFixtures } from './helpers.js';

/**
 * A segment belongs to one program: execve() keeps the pid and the start
 * time, so the reader tells the programs apart by the executable and the
 * start of the stack the runtime recorded.
 */
describe('a segment across exec', () => {
  let exec: string;
  let control: string;
  const running = trackFixtures();
  beforeAll(() => {
    exec = compileFixture('exec.c');
    control = compileFixture('control.c');
  });

  async function startAndCount(): Promise<Fixture> {
    const fixture = Fixture.start(exec, [], 'count');
    running.push(fixture);
    await fixture.line(/^ready/);
    await fixture.ask('call 3');
    const segment = fixture.open();
    expect(callsByName(segment, exec).get('step')).toBe(3);
    segment.close();
    return fixture;
  }

  const refusal = (pid: number): string => `the iprobe segment of process ${pid} belongs to an earlier program (it has exec'ed since)`;

  it('is refused once the process has exec\'ed another program without the runtime', async () => {
    const fixture = await startAndCount();
    fixture.child.stdin.write(`exec-plain ${control}\n`);
    await fixture.ask('call 1'); // answered by the new program
    expect(() => fixture.open()).toThrow(refusal(fixture.pid));
  });

  it('is refused once the process has exec\'ed the same program again without the runtime', async () => {
    const fixture = await startAndCount();
    fixture.child.stdin.write(`exec-plain ${exec}\n`);
    await fixture.line(/^ready/);
    expect(() => fixture.open()).toThrow(refusal(fixture.pid));
  });

  it('is replaced by the new program\'s own segment when it has the runtime too', async () => {
    const fixture = await startAndCount();
    fixture.child.stdin.write(`exec ${control}\n`);
    await fixture.ask('call 2');
    const segment = fixture.open();
    expect(segment.header().pid).toBe(fixture.pid);
    const calls = callsByName(segment, control);
    expect(calls.get('step')).toBe(2); // control.c's step, counted by the new runtime only
    segment.close();
    expect(() => RuntimeSegment.open(fixture.pid)).not.toThrow();
  });
});
