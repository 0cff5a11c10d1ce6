import { createHash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Patient ids identify people, so a project stores only this salted hash; it is stable within a project
 * (same patient, same subject) and meaningless outside it (the salt never leaves project.sqlite).
 */
export function subjectFromPatientId(salt: string, patientId: string): string {
  return 'p-' + sha256Hex(`${salt}\u0000${patientId.trim()}`).slice(0, 16);
}
