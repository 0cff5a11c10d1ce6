/**
 * Window/level on 8-bit display values: the window's width (contrast) and centre (brightness). Values
 * inside [level - window/2, level + window/2] are stretched over the full display range.
 */
export interface WindowLevel {
  window: number;
  level: number;
}

export const WL_DEFAULT: WindowLevel = { window: 256, level: 128 };
export const WL_LIMITS = { window: { min: 8, max: 512 }, level: { min: 0, max: 255 } };

export function isIdentity(wl: WindowLevel): boolean {
  return wl.window === WL_DEFAULT.window && wl.level === WL_DEFAULT.level;
}

export function clampWindowLevel(wl: WindowLevel): WindowLevel {
  const clamp = (v: number, lim: { min: number; max: number }) => Math.min(lim.max, Math.max(lim.min, Math.round(v)));
  return { window: clamp(wl.window, WL_LIMITS.window), level: clamp(wl.level, WL_LIMITS.level) };
}

export function isWindowLevel(v: unknown): v is WindowLevel {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.window === 'number' && typeof o.level === 'number' && Number.isFinite(o.window) && Number.isFinite(o.level);
}

/** The 256-entry lookup table for one setting. */
export function windowLevelLut(wl: WindowLevel): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256);
  const low = wl.level - wl.window / 2;
  for (let v = 0; v < 256; v++) lut[v] = Math.round(((v - low) * 256) / wl.window);
  return lut;
}

/** Applies the table to RGB channels in place (alpha untouched). */
export function applyLut(data: Uint8ClampedArray, lut: Uint8ClampedArray): void {
  for (let i = 0; i < data.length; i += 4) {
    data[i] = lut[data[i]];
    data[i + 1] = lut[data[i + 1]];
    data[i + 2] = lut[data[i + 2]];
  }
}
