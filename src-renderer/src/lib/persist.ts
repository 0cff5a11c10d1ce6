/**
 * Small settings kept in localStorage (per workstation, not per project). A value that is missing or
 * fails `accept` (an older or hand-edited entry) falls back to the default instead of breaking the UI.
 */
export function loadSetting<T>(key: string, fallback: T, accept: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return fallback;
    const value: unknown = JSON.parse(raw);
    return accept(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function saveSetting(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the setting still applies for this session.
  }
}
