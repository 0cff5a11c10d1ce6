import { shallowRef, watch, type Ref } from 'vue';
import { applyLut, isIdentity, windowLevelLut, type WindowLevel } from '../lib/window-level';

/**
 * The image as displayed under the window/level setting: a canvas holding the remapped pixels, made
 * once per change of image or setting (not per frame), so panning and zooming just draw it. The
 * identity setting uses the decoded image as is.
 */
export function useWindowLevelImage(source: Ref<HTMLImageElement | null>, wl: Ref<WindowLevel>) {
  const displayed = shallowRef<HTMLImageElement | HTMLCanvasElement | null>(null);
  let canvas: HTMLCanvasElement | null = null;
  let pending = 0;

  function render(): void {
    pending = 0;
    const img = source.value;
    if (!img || isIdentity(wl.value)) {
      displayed.value = img;
      return;
    }
    const w = img.naturalWidth;
    const h = img.naturalHeight;
    // A fresh canvas each time: Konva only redraws when the image attribute changes identity.
    canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) {
      displayed.value = img;
      return;
    }
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, w, h);
    applyLut(data.data, windowLevelLut(wl.value));
    ctx.putImageData(data, 0, 0);
    displayed.value = canvas;
  }

  // Slider drags fire faster than frames; one remap per animation frame is enough.
  function schedule(): void {
    if (!pending) pending = requestAnimationFrame(render);
  }

  watch(source, render, { immediate: true });
  watch(wl, schedule, { deep: true });

  return { displayed };
}
