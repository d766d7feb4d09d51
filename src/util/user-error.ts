/**
 * An error caused by what the user asked for or gave us (bad file, missing
 * process, no permission). The CLI prints it as one line, with the hint, and
 * exits non-zero; anything else is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
