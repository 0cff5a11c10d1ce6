import { reflectIndex, type FloatImage } from './float-image.js';

export interface PaddedImage {
  /** Padded samples, row-major, `width * height` long. */
  data: Float64Array;
  width: number;
  height: number;
  /** Where the original image's (0, 0) sits in the padded grid. */
  offsetX: number;
  offsetY: number;
}

/**
 * Copies `img` into the middle of a `width` × `height` grid and fills the rest by half-sample symmetric
 * reflection. Centring puts the seam where the periodic FFT wraps around as far from the image as the
 * padding allows, and reflection avoids the artificial step edge that zero padding would create.
 */
export function reflectPad(img: FloatImage, width: number, height: number): PaddedImage {
  const offsetX = Math.floor((width - img.width) / 2);
  const offsetY = Math.floor((height - img.height) / 2);
  const data = new Float64Array(width * height);
  const srcX = new Int32Array(width);
  for (let x = 0; x < width; x++) srcX[x] = reflectIndex(x - offsetX, img.width);
  for (let y = 0; y < height; y++) {
    const srcRow = reflectIndex(y - offsetY, img.height) * img.width;
    const dstRow = y * width;
    for (let x = 0; x < width; x++) data[dstRow + x] = img.data[srcRow + srcX[x]];
  }
  return { data, width, height, offsetX, offsetY };
}
