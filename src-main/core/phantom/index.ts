/** Synthetic, non-clinical kidney ultrasound phantom (see docs/phantom.md). */
export {
  fieldOfViewMask,
  generatePhantom,
  generatePhantomSet,
  kidneyMask,
  kidneyRegions,
  type PhantomBox,
  type PhantomImage,
  type PhantomOptions,
  type PhantomSetImage,
  type PhantomSetOptions,
} from './generate.js';
export { KidneyRegion } from './kidney.js';
export { phantomToPng, type PreviewOptions } from './preview.js';
