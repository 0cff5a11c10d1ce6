import { SonoError } from '../errors.js';

/**
 * The most pixels (width x height x frames) SonoTL will decode from one file. 100 million covers any
 * ultrasound still or cine loop (a 1024x768 loop of 120 frames is 94 M) while capping what a hostile or
 * broken file can make us allocate: at 16-bit RGB that is 600 MB of samples. It is checked against the
 * size the file header declares, before any pixel is decoded, so a decompression bomb costs nothing.
 */
export const MAX_PIXELS = 100_000_000;

export function assertWithinPixelLimit(name: string, width: number, height: number, frames = 1): void {
  const total = width * height * frames;
  if (total > MAX_PIXELS) {
    const size = frames > 1 ? `${width}x${height}x${frames} frames` : `${width}x${height}`;
    throw new SonoError(
      'BAD_INPUT',
      `${name}: image of ${size} (${total.toLocaleString('en-US')} pixels) exceeds the pixel limit of ${MAX_PIXELS.toLocaleString('en-US')}`,
      name,
    );
  }
}
