import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of this process over a stretch of work, from Linux's high-water mark: writing 5
 * to /proc/self/clear_refs resets VmHWM to the current RSS, so each figure sees only its own peak, not
 * one left by an earlier figure. Null where /proc is unavailable (not Linux).
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function peakRssMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
