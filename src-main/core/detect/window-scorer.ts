/**
 * What a detector needs from a feature family: a fixed-length vector per window. Implementations keep
 * per-image work (integral images, CNN feature maps) between calls for the same image object, because a
 * detector asks for the candidate grid and then for many small batches during refinement.
 */
import type { GrayImage } from '../features/integral.js';
import type { Box } from '../metrics/index.js';

export type { GrayImage } from '../features/integral.js';

export interface WindowScorer {
  /** Short name used in reports ('haar', 'na', ...). */
  readonly name: string;
  readonly featureDim: number;
  /** Features of every window, row-major: windows.length x featureDim. Windows are integer and inside the image. */
  features(image: GrayImage, windows: readonly Box[]): Promise<Float32Array>;
  /**
   * The same features written into `out`, window i's vector at `offset + i * rowStride`; optional.
   * Fusion uses it to fill its concatenated matrix directly instead of copying each family's block.
   */
  featuresInto?(image: GrayImage, windows: readonly Box[], out: Float32Array, offset: number, rowStride: number): Promise<void>;
  /** Drops what is kept for images (call between images when memory matters); optional. */
  release?(): void;
  /** Frees native resources (ONNX sessions). */
  close?(): Promise<void>;
}

/**
 * Per-image state for the most recently used images, keyed by object identity. Two entries suffice: the
 * study works through one image at a time, and a second entry absorbs an interleaved call.
 */
export class ImageStateCache<T> {
  private entries: Array<{ image: GrayImage; state: T }> = [];

  constructor(private readonly capacity = 2) {}

  get(image: GrayImage, make: () => T): T {
    const i = this.entries.findIndex((e) => e.image === image);
    if (i >= 0) {
      const [hit] = this.entries.splice(i, 1);
      this.entries.unshift(hit);
      return hit.state;
    }
    const state = make();
    this.entries.unshift({ image, state });
    this.entries.length = Math.min(this.entries.length, this.capacity);
    return state;
  }

  clear(): void {
    this.entries = [];
  }
}
