import { UserError } from './user-error.js';

/** A file-system error as one line that says why, for the operator. */
export function describeFsError(err: unknown, what: string): UserError {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return new UserError(`${what}: no such file or directory`);
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        `${what}: permission denied (running as uid ${process.getuid?.() ?? '?'})`,
        'check the file and directory permissions, or run as the file owner or root',
      );
    case 'EISDIR':
      return new UserError(`${what}: is a directory`);
    case 'ENOTDIR':
      return new UserError(`${what}: a path component is not a directory`);
    case 'EROFS':
      return new UserError(`${what}: read-only file system`);
    case 'ENOSPC':
      return new UserError(`${what}: no space left on device`);
    default:
      return new UserError(`${what}: ${e.message}`);
  }
}
