import { userInfo } from 'node:os';

/** The workstation user, recorded as the author of edits; some containers have no user entry. */
export function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
