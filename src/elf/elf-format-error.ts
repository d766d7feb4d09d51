import { UserError } from '../util/user-error.js';

/** The input is not an ELF file iprobe can work on (or is damaged). */
export class ElfFormatError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'ElfFormatError';
  }
}
