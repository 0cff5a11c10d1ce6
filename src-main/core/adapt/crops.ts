/**
 * Network input for a batch of patches: each box (shifted by the augmentation) is cropped from its
 * grayscale image, resized to the training crop size, optionally mirrored, given a random gain and
 * contrast, and written as interleaved RGB (NHWC, the layout of a tfjs model) in [-1, 1].
 */
import { preprocess, type GrayImage } from '../backbones/preprocess.js';
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

/** Writes `jobs.length` crops of size x size x 3 into a new NHWC buffer. */
export function cropBatch(jobs: readonly CropJob[], augments: readonly PatchAugment[], size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(jobs.length * plane * 3);
  const tmp = new Float32Array(3 * plane);
  jobs.forEach((job, n) => {
    const a = augments[n];
    const box = { x: job.box.x + a.dx * job.box.w, y: job.box.y + a.dy * job.box.h, w: job.box.w, h: job.box.h };
    preprocess(job.gray, box, size, tmp);
    // Back to [0, 255] for gain and contrast, which act on echo intensity.
    let mean = 0;
    for (let i = 0; i < plane; i++) mean += tmp[i];
    mean = ((mean / plane + 1) * 127.5);
    const base = n * plane * 3;
    for (let y = 0; y < size; y++) {
      const sy = a.flipV ? size - 1 - y : y;
      for (let x = 0; x < size; x++) {
        const sx = a.flipH ? size - 1 - x : x;
        const raw = (tmp[sy * size + sx] + 1) * 127.5;
        const v = Math.min(255, Math.max(0, a.gain * (mean + a.contrast * (raw - mean))));
        const o = base + (y * size + x) * 3;
        const scaled = v / 127.5 - 1;
        out[o] = scaled;
        out[o + 1] = scaled;
        out[o + 2] = scaled;
      }
    }
  });
  return out;
}
