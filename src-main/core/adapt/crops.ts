/**
 * Network input for a batch of patches: each box (shifted by the augmentation) is cropped from its
 * grayscale image, resized to the training crop size, optionally mirrored, given a random gain and
 * contrast, and written as interleaved channels (NHWC, the layout of a tfjs model) with the backbone's
 * preprocessing: 'tf' RGB in [-1, 1], or 'caffe' BGR on the 0..255 scale minus the ImageNet mean.
 */
import { preprocess, type GrayImage } from '../backbones/preprocess.js';
import { CAFFE_MEAN_BGR, type Preprocessing } from '../backbones/registry.js';
import type { Box } from '../metrics/index.js';
import type { AugmentParams } from './params.js';

export interface CropJob {
  gray: GrayImage;
  box: Box;
}

/** One patch's random augmentation, drawn up front so a batch is reproducible from its rng. */
export interface PatchAugment {
  dx: number;
  dy: number;
  flipH: boolean;
  flipV: boolean;
  gain: number;
  contrast: number;
}

export const NO_AUGMENT: PatchAugment = { dx: 0, dy: 0, flipH: false, flipV: false, gain: 1, contrast: 1 };

export function drawAugment(a: AugmentParams, rng: () => number): PatchAugment {
  const sym = () => 2 * rng() - 1;
  return {
    dx: a.shift * sym(),
    dy: a.shift * sym(),
    flipH: rng() < a.flipHorizontal,
    flipV: rng() < a.flipVertical,
    gain: 1 + a.gain * sym(),
    contrast: 1 + a.contrast * sym(),
  };
}

/** Per channel c, network value = v * scale[c] + shift[c] for a pixel value v on the 0..255 scale. */
function channelMaps(preprocessing: Preprocessing): { scale: number[]; shift: number[] } {
  switch (preprocessing) {
    case 'tf':
      return { scale: [1 / 127.5, 1 / 127.5, 1 / 127.5], shift: [-1, -1, -1] };
    case 'caffe':
      return { scale: [1, 1, 1], shift: CAFFE_MEAN_BGR.map((m) => -m) };
  }
}

/**
 * Writes `jobs.length` crops of height x width x 3 into a new NHWC buffer.
 * @param size square side, or [height, width] (a backbone's fixed input size).
 */
export function cropBatch(jobs: readonly CropJob[], augments: readonly PatchAugment[], size: number | readonly [number, number], preprocessing: Preprocessing = 'tf'): Float32Array {
  const [height, width] = typeof size === 'number' ? [size, size] : size;
  const plane = height * width;
  const out = new Float32Array(jobs.length * plane * 3);
  const tmp = new Float32Array(3 * plane);
  const { scale, shift } = channelMaps(preprocessing);
  jobs.forEach((job, n) => {
    const a = augments[n];
    const box = { x: job.box.x + a.dx * job.box.w, y: job.box.y + a.dy * job.box.h, w: job.box.w, h: job.box.h };
    preprocess(job.gray, box, [height, width], tmp);
    // Back to [0, 255] for gain and contrast, which act on echo intensity.
    let mean = 0;
    for (let i = 0; i < plane; i++) mean += tmp[i];
    mean = ((mean / plane + 1) * 127.5);
    const base = n * plane * 3;
    for (let y = 0; y < height; y++) {
      const sy = a.flipV ? height - 1 - y : y;
      for (let x = 0; x < width; x++) {
        const sx = a.flipH ? width - 1 - x : x;
        const raw = (tmp[sy * width + sx] + 1) * 127.5;
        const v = Math.min(255, Math.max(0, a.gain * (mean + a.contrast * (raw - mean))));
        const o = base + (y * width + x) * 3;
        out[o] = v * scale[0] + shift[0];
        out[o + 1] = v * scale[1] + shift[1];
        out[o + 2] = v * scale[2] + shift[2];
      }
    }
  });
  return out;
}
