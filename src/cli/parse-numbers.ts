import { InvalidArgumentError } from 'commander';

export function parsePid(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError(`not a process id: ${value}`);
  return Number(value);
}

export function parseCount(value: string): number {
  if (!/^[1-9][0-9_]*$/.test(value)) throw new InvalidArgumentError(`not a positive count: ${value}`);
  return Number(value.replaceAll('_', ''));
}
