import { ApiError } from './client';

// The backend's message says what is wrong; this adds what the user can do about it, by error code.
const ADVICE: Record<string, string> = {
  PROJECT_LOCKED: 'Close the project in the other window or process, then try again.',
  PROJECT_NOT_FOUND: 'Check the folder path, or create a new project there.',
  PROJECT_EXISTS: 'Open it instead, or choose an empty folder.',
  PROJECT_TOO_NEW: 'Update SonoTL to open this project.',
  PROJECT_READ_ONLY: 'Make the project folder writable (or copy it somewhere writable) and retry.',
  DISK_FULL: 'Free disk space on the project drive, then retry.',
  BAD_INPUT: 'Correct the value named above and retry.',
  UNSUPPORTED: 'Convert the file to PNG, JPEG or uncompressed DICOM and import it again.',
  NOT_FOUND: 'It may have been removed; reload the list.',
  OFFLINE: 'Restart the SonoTL server (npm run serve) and reload this page.',
  UNAUTHORIZED: 'Open the URL the server printed at start-up.',
  INTERNAL: 'Retry; if it keeps failing, report the message above.',
};

export function adviceFor(e: unknown): string {
  if (!(e instanceof ApiError)) return '';
  // The same code refuses work while this window's own study holds the project: the remedy differs.
  if (e.code === 'PROJECT_LOCKED' && e.subject?.startsWith('study-')) return 'Cancel the study on the Runs page, or wait for it to finish.';
  return ADVICE[e.code] ?? '';
}
