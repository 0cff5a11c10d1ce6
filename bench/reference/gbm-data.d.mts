export interface GbmData {
  nRows: number;
  nCols: number;
  /** Row-major features. */
  x: Float32Array;
  y: Uint8Array;
  /** 1 for rows of the fixed test split. */
  isTest: Uint8Array;
}

export interface GbmDataOptions {
  nRows?: number;
  nCols?: number;
  seed?: number;
  testFraction?: number;
  labelNoise?: number;
}

export const DEFAULTS: Required<GbmDataOptions>;
export function generateGbmData(options?: GbmDataOptions): GbmData;
export function encodeGbmData(d: GbmData): Uint8Array;
