import type { ImageFilter, ImageSummary } from '../lib/types';
import { api } from './client';

/**
 * The list order is image id (import order), under whatever filter the grid shows. The current image
 * need not be in that list any more (annotating it removes it from "unannotated"), so neighbours are
 * found by id: binary search over offsets, one single-item page per probe (log2(n) small calls).
 */
async function firstIndexAbove(filter: ImageFilter, id: number): Promise<{ index: number; total: number }> {
  const head = await api.call('images.list', { offset: 0, limit: 1, filter });
  let lo = 0;
  let hi = head.total;
  if (hi === 0 || head.items[0].id > id) return { index: 0, total: head.total };
  lo = 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const page = await api.call('images.list', { offset: mid, limit: 1, filter });
    const probe = page.items[0];
    if (!probe) hi = mid;
    else if (probe.id > id) hi = mid;
    else lo = mid + 1;
  }
  return { index: lo, total: head.total };
}

async function at(filter: ImageFilter, index: number): Promise<ImageSummary | null> {
  if (index < 0) return null;
  const page = await api.call('images.list', { offset: index, limit: 1, filter });
  return page.items[0] ?? null;
}

/**
 * The image after (dir = 1) or before (dir = -1) `id` in the filtered list. `hint` is where the image
 * was last seen in that list: when it is still there, one call around it answers without a search.
 */
export interface Found {
  image: ImageSummary;
  /** Its position in the filtered list, and the list's length. */
  index: number;
  total: number;
}

export async function neighbour(filter: ImageFilter, id: number, dir: 1 | -1, hint?: number): Promise<Found | null> {
  if (hint !== undefined && hint >= 0) {
    const from = Math.max(0, hint - 1);
    const page = await api.call('images.list', { offset: from, limit: 3, filter });
    const i = page.items.findIndex((it) => it.id === id);
    if (i >= 0) {
      const j = i + dir;
      if (j >= 0 && j < page.items.length) return { image: page.items[j], index: from + j, total: page.total };
      if (j < 0 || from + j >= page.total) return null;
    }
  }
  const { index, total } = await firstIndexAbove(filter, id);
  if (dir === 1) {
    const image = await at(filter, index);
    return image ? { image, index, total } : null;
  }
  // index is the first image with a larger id, so the one before it may be the current image itself.
  let target = index - 1;
  let image = await at(filter, target);
  if (image?.id === id) image = await at(filter, --target);
  return image ? { image, index: target, total } : null;
}

/** Where an image sits in the filtered list, or -1 when the filter excludes it. */
export async function indexOf(filter: ImageFilter, id: number): Promise<number> {
  const { index } = await firstIndexAbove(filter, id);
  const candidate = await at(filter, index - 1);
  return candidate?.id === id ? index - 1 : -1;
}
