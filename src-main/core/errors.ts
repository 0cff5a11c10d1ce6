/**
 * Errors a user can act on. `message` is shown as is (one line), so it must name the file or object and
 * the problem; `code` lets callers (API, CLI exit codes, UI) branch without parsing text.
 */
export type ErrorCode =
  | 'PROJECT_LOCKED'
  | 'PROJECT_NOT_FOUND'
  | 'PROJECT_EXISTS'
  | 'PROJECT_TOO_NEW'
  | 'PROJECT_READ_ONLY'
  | 'DISK_FULL'
  | 'BAD_INPUT'
  | 'UNSUPPORTED'
  | 'NOT_FOUND'
  | 'CORRUPT'
  | 'INTERNAL'
  | 'CANCELLED';

export class SonoError extends Error {
  readonly code: ErrorCode;
  /** The file or object the error is about, when there is one. */
  readonly subject?: string;

  constructor(code: ErrorCode, message: string, subject?: string) {
    super(message);
    this.name = 'SonoError';
    this.code = code;
    this.subject = subject;
  }
}

export function isSonoError(e: unknown): e is SonoError {
  return e instanceof SonoError;
}

/** The message of any thrown value, without a stack: for one-line reports. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
