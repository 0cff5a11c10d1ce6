import type Konva from 'konva';
import type { Ref } from 'vue';
import { fitViewport, panBy, zoomAt, type Viewport } from '../lib/viewport';
import type { Point } from '../lib/box-geometry';

/**
 * Zoom and pan of the annotation stage. The transform is applied to the Konva stage directly rather
 * than through reactive config: a pan is dozens of updates a second, and none of them needs Vue.
 */
export function useViewport(stage: () => Konva.Stage | null, imageSize: Ref<{ width: number; height: number } | null>) {
  let view: Viewport = { scale: 1, x: 0, y: 0 };
  /** Whether the user has zoomed or panned since the last fit; a window resize refits only if not. */
  let adjusted = false;

  function apply(): void {
    const s = stage();
    if (!s) return;
    s.scale({ x: view.scale, y: view.scale });
    s.position({ x: view.x, y: view.y });
    s.batchDraw();
    // Published on the container for tests and measurements that need image-to-screen coordinates.
    s.container().dataset.view = `${view.scale},${view.x},${view.y}`;
  }

  function fit(): void {
    const s = stage();
    const img = imageSize.value;
    if (!s || !img) return;
    view = fitViewport(img.width, img.height, s.width(), s.height());
    adjusted = false;
    apply();
  }

  function refitIfUntouched(): void {
    if (!adjusted) fit();
  }

  function zoom(screen: Point, factor: number): void {
    view = zoomAt(view, screen, factor);
    adjusted = true;
    apply();
  }

  function pan(dx: number, dy: number): void {
    view = panBy(view, dx, dy);
    adjusted = true;
    apply();
  }

  function current(): Viewport {
    return view;
  }

  return { fit, refitIfUntouched, zoom, pan, current };
}
