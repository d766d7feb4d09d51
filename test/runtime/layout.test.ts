import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as layout from '../../src/runtime/layout.js';

const runtimeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/runtime');
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Compiles a C program that prints offsetof() of each field the reader uses, as laid out by layout.h. */
function cOffsets(): Map<string, number> {
  const fields: [string, string, string][] = [
    ...Object.keys(layout.HEADER).map((f): [string, string, string] => [`HEADER.${f}`, 'struct iprobe_header', snake(f)]),
    ...Object.keys(layout.CONTROL).map((f): [string, string, string] => [`CONTROL.${f}`, 'struct iprobe_header', `control.${snake(f)}`]),
    ...Object.keys(layout.SLOT).map((f): [string, string, string] => [`SLOT.${f}`, 'struct iprobe_thread_slot', snake(f)]),
    ...Object.keys(layout.FUNCTION).map((f): [string, string, string] => [`FUNCTION.${f}`, 'struct iprobe_function', snake(f)]),
    ...Object.keys(layout.STAT).map((f): [string, string, string] => [`STAT.${f}`, 'struct iprobe_stat', snake(f)]),
    ...Object.keys(layout.EVENT).map((f): [string, string, string] => [`EVENT.${f}`, 'struct iprobe_event', snake(f)]),
    ...Object.keys(layout.FPERF_BLOCK).map((f): [string, string, string] => [`FPERF_BLOCK.${f}`, 'struct iprobe_fperf_block', snake(f)]),
    ...Object.keys(layout.FPERF_ROW).map((f): [string, string, string] => [`FPERF_ROW.${f}`, 'struct iprobe_fperf_row', snake(f)]),
  ];
  const sizes: [string, string][] = [
    ['HEADER_SIZE', 'struct iprobe_header'],
    ['SLOT_SIZE', 'struct iprobe_thread_slot'],
    ['FUNCTION_SIZE', 'struct iprobe_function'],
    ['STAT_SIZE', 'struct iprobe_stat'],
    ['EVENT_SIZE', 'struct iprobe_event'],
    ['FPERF_BLOCK_SIZE', 'struct iprobe_fperf_block'],
    ['FPERF_ROW_SIZE', 'struct iprobe_fperf_row'],
  ];
  const source = [
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include "layout.h"',
    'int main(void) {',
    ...fields.map(([key, type, field]) => `  printf("${key} %zu\\n", offsetof(${type}, ${field}));`),
    ...sizes.map(([key, type]) => `  printf("${key} %zu\\n", sizeof(${type}));`),
    '  printf("MAGIC %llu\\nVERSION %u\\n", IPROBE_MAGIC, IPROBE_LAYOUT_VERSION);',
    '  printf("MODES %d %d %d %d %d\\n", IPROBE_MODE_OFF, IPROBE_MODE_COUNT, IPROBE_MODE_TRACE, IPROBE_MODE_FPERF, IPROBE_MODE_CALLS);',
    '  printf("FPERF_LIMITS %d %d %d %d\\n", IPROBE_FPERF_MAX_EVENTS, IPROBE_FPERF_NAME_SIZE, IPROBE_FPERF_TEXT_SIZE, IPROBE_FUNCTION_FPERF_SAMPLED);',
    '  printf("FPERF_STATES %d %d %d %d\\n", IPROBE_FPERF_IDLE, IPROBE_FPERF_LOADING, IPROBE_FPERF_READY, IPROBE_FPERF_FAILED);',
    '  printf("FPERF_THREAD_STATES %d %d %d %d %d\\n", IPROBE_FPERF_THREAD_NONE, IPROBE_FPERF_THREAD_COUNTING, IPROBE_FPERF_THREAD_FAILED, IPROBE_FPERF_THREAD_LIMITED, IPROBE_FPERF_THREAD_WAITING);',
    '  return 0;',
    '}',
  ].join('\n');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iprobe-layout-'));
  writeFileSync(path.join(dir, 'offsets.c'), source);
  execFileSync('gcc', ['-std=c11', '-Wall', '-I', runtimeDir, path.join(dir, 'offsets.c'), '-o', path.join(dir, 'offsets')]);
  const out = execFileSync(path.join(dir, 'offsets'), { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((line) => {
    const [key, ...value] = line.split(' ');
    return [key!, value.join(' ') as unknown as number];
  }));
}

describe('the reader\'s layout', () => {
  it('matches native/runtime/layout.h field for field', () => {
    const c = cOffsets();
    const ts = new Map<string, unknown>();
    for (const group of ['HEADER', 'CONTROL', 'SLOT', 'FUNCTION', 'STAT', 'EVENT', 'FPERF_BLOCK', 'FPERF_ROW'] as const) {
      for (const [field, offset] of Object.entries(layout[group])) ts.set(`${group}.${field}`, String(offset));
    }
    for (const size of ['HEADER_SIZE', 'SLOT_SIZE', 'FUNCTION_SIZE', 'STAT_SIZE', 'EVENT_SIZE', 'FPERF_BLOCK_SIZE', 'FPERF_ROW_SIZE'] as const) {
      ts.set(size, String(layout[size]));
    }
    ts.set('MAGIC', layout.SEGMENT_MAGIC.toString());
    ts.set('VERSION', String(layout.LAYOUT_VERSION));
    ts.set('MODES', layout.MODES.map((m) => layout.MODES.indexOf(m)).join(' '));
    ts.set('FPERF_LIMITS', [layout.FPERF_MAX_EVENTS, layout.FPERF_NAME_SIZE, layout.FPERF_TEXT_SIZE, layout.FUNCTION_FPERF_SAMPLED].join(' '));
    ts.set('FPERF_STATES', layout.FPERF_STATES.map((_, i) => i).join(' '));
    ts.set('FPERF_THREAD_STATES', layout.FPERF_THREAD_STATES.map((_, i) => i).join(' '));
    expect(Object.fromEntries(ts)).toEqual(Object.fromEntries([...c].map(([k, v]) => [k, String(v)])));
  });

  it('reads the magic as the bytes "IPRBSHM1"', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(layout.SEGMENT_MAGIC);
    expect(bytes.toString('latin1')).toBe('IPRBSHM1');
  });
});
