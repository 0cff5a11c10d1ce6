import { HAAR_FEATURE_COUNT, haarFeatures, integralImages, type IntegralImages } from '../features/haar.js';
import type { Box } from '../metrics/index.js';
import { ImageStateCache, type GrayImage, type WindowScorer } from './window-scorer.js';

/** The 1973 Haar-like features of each window, from integral images computed once per image. */
export class HaarScorer implements WindowScorer {
  readonly name = 'haar';
  readonly featureDim = HAAR_FEATURE_COUNT;
  private readonly cache = new ImageStateCache<IntegralImages>();

  async features(image: GrayImage, windows: readonly Box[]): Promise<Float32Array> {
    return haarFeatures(this.integral(image), windows);
  }

  async featuresInto(image: GrayImage, windows: readonly Box[], out: Float32Array, offset: number, rowStride: number): Promise<void> {
    haarFeatures(this.integral(image), windows, out, offset, rowStride);
  }

  release(): void {
    this.cache.clear();
  }

  private integral(image: GrayImage): IntegralImages {
    return this.cache.get(image, () => integralImages(image));
  }
}
