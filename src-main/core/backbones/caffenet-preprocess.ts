/**
 * CaffeNet's input ('caffe' preprocessing in the registry): BGR planes on the [0, 255] scale minus the
 * per-channel ImageNet mean (B 104, G 117, R 123; Caffe's `mean_value` form of ilsvrc_2012_mean), no
 * scaling. A gray ultrasound pixel g becomes (g - 104, g - 117, g - 123) in planes 0, 1, 2.
 *
 * Cropping and bilinear resizing are shared with the 'tf' backbones (preprocess.ts), whose output is
 * g / 127.5 - 1; mapping that back costs one float32 rounding, under 1e-5 on the 0..255 scale, far
 * below one grey level.
 */
import { preprocess, type Box, type GrayImage } from './preprocess.js';
import { CAFFE_MEAN_BGR } from './registry.js';

export function preprocessCaffe(
  gray: GrayImage,
  box: Box,
  size: number | readonly [number, number],
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const dst = preprocess(gray, box, size, out, offset);
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  const plane = h * w;
  for (let c = 0; c < 3; c++) {
    const mean = CAFFE_MEAN_BGR[c];
    const start = offset + c * plane;
    for (let i = start; i < start + plane; i++) dst[i] = (dst[i] + 1) * 127.5 - mean;
  }
  return dst;
}
