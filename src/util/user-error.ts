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

/** Exit code of a usage error, for both CLIs, as commander's own and as the shells' convention. */
export const USAGE_EXIT = 2;

/**
 * A command line that cannot be run as given: a bad option value, a missing
 * or extra argument, options that do not go together. Raised before anything
 * touches PAPI, ptrace or the target; exits 2. Errors about the machine or
 * the target ("no process 123") stay UserError, exit 1.
 */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, USAGE_EXIT);
    this.name = 'UsageError';
  }
}

/** Runs a parser whose UserErrors, given an option's value, are usage errors. */
export function asUsageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UserError && !(err instanceof UsageError)) throw new UsageError(err.message, err.hint);
    throw err;
  }
}
