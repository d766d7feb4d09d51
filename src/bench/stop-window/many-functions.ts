/**
 * The target of the stop-window experiment: a C program with FUNCTIONS small
 * instrumented functions, which WORKERS threads call round-robin until a line
 * arrives on stdin. Generated rather than checked in: 5,000 functions.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { coldpatch } from '../../coldpatch/coldpatch.js';
import { runCommand } from '../programs/run-command.js';

const functionName = (i: number): string => `probe_target_${String(i).padStart(5, '0')}`;

export function manyFunctionsSource(functions: number): string {
  const lines = [
    '#include <pthread.h>',
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '#define NOT_TRACED __attribute__((no_instrument_function))',
  ];
  for (let i = 0; i < functions; i++) lines.push(`__attribute__((noinline)) long ${functionName(i)}(long x) { return x * 3 + ${i}; }`);
  lines.push(
    `static long (*const table[${functions}])(long) = {`,
    ...Array.from({ length: functions }, (_, i) => `  ${functionName(i)},`),
    '};',
    'static volatile int stop;',
    'NOT_TRACED static void *worker(void *arg) {',
    '  long x = (long)arg;',
    `  for (unsigned long i = 0; !stop; i++) x = table[i % ${functions}](x);`,
    '  return (void *)x;',
    '}',
    '/* Usage: many-functions WORKERS. Prints "ready" once the workers run; exits at a line on stdin. */',
    'NOT_TRACED int main(int argc, char **argv) {',
    '  int workers = argc > 1 ? atoi(argv[1]) : 8;',
    '  pthread_t threads[64];',
    '  if (workers < 1 || workers > 64) return 2;',
    '  for (int i = 0; i < workers; i++) pthread_create(&threads[i], NULL, worker, (void *)(long)i);',
    '  puts("ready");',
    '  fflush(stdout);',
    '  char line[16];',
    '  if (!fgets(line, sizeof line, stdin)) {}',
    '  stop = 1;',
    '  for (int i = 0; i < workers; i++) pthread_join(threads[i], NULL);',
    '  return 0;',
    '}',
    '',
  );
  return lines.join('\n');
}

/** Compiles the program with -finstrument-functions and coldpatches it; returns the coldpatched binary. */
export async function buildManyFunctions(dir: string, functions: number): Promise<string> {
  const source = path.join(dir, 'many-functions.c');
  const instrumented = path.join(dir, 'many-functions');
  const coldpatched = path.join(dir, 'many-functions.coldpatched');
  writeFileSync(source, manyFunctionsSource(functions));
  await runCommand('gcc', ['-O2', '-pthread', '-finstrument-functions', '-o', instrumented, source]);
  await coldpatch({ input: instrumented, output: coldpatched });
  return coldpatched;
}
