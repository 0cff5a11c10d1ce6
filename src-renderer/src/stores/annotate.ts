import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api, messageOf } from '../api/client';
import { neighbour, type Found } from '../api/neighbours';
import { clipToImage, roundBox } from '../lib/box-geometry';
import { SaveQueue, type SaveOp, type SaveStatus } from '../lib/save-queue';
import type { Annotation, Box, ImageFilter, ImageSummary } from '../lib/types';
import { useCategoriesStore } from './categories';
import { useImagesStore } from './images';
import { useRouteStore } from './route';

/** A box as the editor holds it: `key` is stable for the UI; `id` is the server's, once it has one. */
export interface EditBox extends Box {
  key: number;
  id: number | null;
  imageId: number;
  categoryId: number;
  deleted: boolean;
}

function fromAnnotation(a: Annotation): EditBox {
  return { key: a.id, id: a.id, imageId: a.imageId, categoryId: a.categoryId, x: a.x, y: a.y, w: a.w, h: a.h, deleted: false };
}

const sameBox = (a: Box & { categoryId: number }, b: Box & { categoryId: number }) =>
  a.categoryId === b.categoryId && a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

/**
 * The image being annotated and its boxes. Every change is shown at once and saved in the background
 * (see SaveQueue): the indicator reads saved / saving / failed, and a failed save leaves the edit on
 * screen, marked unsaved, until it is retried or discarded. Undo and redo are the server's (edits.undo /
 * edits.redo), so they survive a restart; they run only once local edits are saved.
 */
export const useAnnotateStore = defineStore('annotate', () => {
  const image = ref<ImageSummary | null>(null);
  /** Where the image sits in the grid's filtered list, when known: lets next/previous skip a search. */
  const listIndex = ref<number | undefined>(undefined);
  const listTotal = ref<number | undefined>(undefined);
  const boxes = ref<EditBox[]>([]);
  const selectedKey = ref<number | null>(null);
  const loading = ref(false);
  const loadError = ref<unknown>(null);
  const notice = ref<string | null>(null);
  const canUndo = ref(false);
  const canRedo = ref(false);
  const stepping = ref(false);
  const queueStatus = ref<SaveStatus>('saved');
  const saveError = shallowRef<unknown>(null);
  const unsavedKeys = shallowRef<Set<number>>(new Set());
  let tempKey = -1;
  let openGeneration = 0;

  const queue = new SaveQueue(send, () => {
    queueStatus.value = queue.status;
    saveError.value = queue.error;
    unsavedKeys.value = queue.pendingKeys();
  });

  const visibleBoxes = computed(() => boxes.value.filter((b) => !b.deleted));
  const selected = computed(() => visibleBoxes.value.find((b) => b.key === selectedKey.value) ?? null);
  const saveState = computed<SaveStatus>(() => (queueStatus.value === 'failed' ? 'failed' : queueStatus.value === 'saving' || stepping.value ? 'saving' : 'saved'));
  const saveMessage = computed(() => (saveError.value ? messageOf(saveError.value) : null));
  const imageUrl = computed(() => (image.value ? api.fileUrl(image.value.relPath) : null));

  function find(key: number): EditBox | undefined {
    return boxes.value.find((b) => b.key === key);
  }

  async function send(op: SaveOp): Promise<void> {
    const b = find(op.key);
    // The list was replaced (discard, reload): this edit no longer has anything to save.
    if (!b) return;
    const box = { x: b.x, y: b.y, w: b.w, h: b.h };
    if (op.kind === 'create') {
      const saved = await api.call('annotations.create', { imageId: b.imageId, categoryId: b.categoryId, box });
      b.id = saved.id;
    } else {
      if (b.id === null) throw new Error(`the box at (${b.x}, ${b.y}) has not been created on the server yet; retry`);
      if (op.kind === 'update') await api.call('annotations.update', { annotationId: b.id, box, categoryId: b.categoryId });
      else await api.call('annotations.delete', { annotationId: b.id });
    }
    canUndo.value = true;
    canRedo.value = false;
  }

  function editable(): boolean {
    return image.value !== null && !stepping.value && !loading.value;
  }

  /** Adds a box (image pixels) in the given or active category; returns its key, or null if refused. */
  function addBox(box: Box, categoryId?: number): number | null {
    if (!editable()) return null;
    const cat = categoryId ?? useCategoriesStore().active?.id;
    if (cat === undefined) {
      notice.value = 'Add a category first (type its name under Categories), then draw.';
      return null;
    }
    const key = tempKey--;
    boxes.value.push({ key, id: null, imageId: image.value!.id, categoryId: cat, deleted: false, ...roundBox(box) });
    selectedKey.value = key;
    queue.push({ kind: 'create', key });
    return key;
  }

  function updateBox(key: number, change: Partial<Box> & { categoryId?: number }): void {
    const b = find(key);
    if (!b || b.deleted || !editable()) return;
    const next = roundBox({ x: change.x ?? b.x, y: change.y ?? b.y, w: change.w ?? b.w, h: change.h ?? b.h });
    const categoryId = change.categoryId ?? b.categoryId;
    if (sameBox({ ...next, categoryId }, b)) return;
    Object.assign(b, next, { categoryId });
    queue.push({ kind: 'update', key });
  }

  function deleteBox(key: number | null = selectedKey.value): void {
    if (key === null || !editable()) return;
    const b = find(key);
    if (!b || b.deleted) return;
    b.deleted = true;
    if (selectedKey.value === key) selectedKey.value = null;
    queue.push({ kind: 'delete', key });
  }

  function select(key: number | null): void {
    selectedKey.value = key;
  }

  /** Gives the selected box the next category, and makes it the one new boxes get. */
  function cycleCategory(): void {
    const next = useCategoriesStore().cycle();
    if (next && selectedKey.value !== null) updateBox(selectedKey.value, { categoryId: next.id });
  }

  function retry(): void {
    queue.retry();
  }

  /** Drops unsaved edits and shows what the server has. */
  async function discardUnsaved(): Promise<void> {
    queue.discard();
    await reload();
  }

  /**
   * Replaces the boxes with the server's. The selection follows the annotation, not the local key (a box
   * drawn here has a temporary key until reloaded), or moves to `focusId` — the box an undo or redo touched,
   * so the user sees what changed and can keep working on it.
   */
  async function reload(focusId: number | null = null): Promise<void> {
    if (!image.value) return;
    const imageId = image.value.id;
    const [anns, state] = await Promise.all([api.call('annotations.list', { imageId }), api.call('edits.state', { imageId })]);
    if (image.value?.id !== imageId) return;
    const keepId = focusId ?? (selectedKey.value !== null ? (find(selectedKey.value)?.id ?? null) : null);
    boxes.value = anns.map(fromAnnotation);
    selectedKey.value = boxes.value.find((b) => b.id === keepId)?.key ?? null;
    canUndo.value = state.canUndo;
    canRedo.value = state.canRedo;
  }

  /** Waits for pending saves; false (with a notice) when one failed, so nothing unsaved is left behind. */
  async function settled(what: string): Promise<boolean> {
    if (await queue.idle()) return true;
    notice.value = `${what} waits until the unsaved edit is saved: press Retry, or Discard to drop it.`;
    return false;
  }

  async function step(kind: 'undo' | 'redo'): Promise<void> {
    if (!image.value || stepping.value) return;
    if (!(await settled(kind === 'undo' ? 'Undo' : 'Redo'))) return;
    stepping.value = true;
    notice.value = null;
    try {
      const result = await api.call(kind === 'undo' ? 'edits.undo' : 'edits.redo', { imageId: image.value.id });
      if (!result.entry) notice.value = kind === 'undo' ? 'Nothing to undo on this image.' : 'Nothing to redo on this image.';
      await reload(result.entry?.annotationId ?? null);
    } catch (e) {
      notice.value = `${kind === 'undo' ? 'Undo' : 'Redo'} failed: ${messageOf(e)}`;
    } finally {
      stepping.value = false;
    }
  }

  const undo = () => step('undo');
  const redo = () => step('redo');

  /** Shows an image; refuses (returning false) while an edit of the current image is unsaved. */
  async function open(imageId: number, known?: Found): Promise<boolean> {
    if (image.value?.id === imageId && !loadError.value) return true;
    if (image.value && !(await settled(`Leaving ${image.value.originalName}`))) return false;
    const gen = ++openGeneration;
    loading.value = true;
    loadError.value = null;
    notice.value = null;
    try {
      const [summary, anns, state] = await Promise.all([
        known ? Promise.resolve(known.image) : api.call('images.get', { imageId }),
        api.call('annotations.list', { imageId }),
        api.call('edits.state', { imageId }),
      ]);
      if (gen !== openGeneration) return false;
      image.value = summary;
      listIndex.value = known?.index;
      listTotal.value = known?.total;
      boxes.value = anns.map(fromAnnotation);
      selectedKey.value = null;
      canUndo.value = state.canUndo;
      canRedo.value = state.canRedo;
      return true;
    } catch (e) {
      if (gen === openGeneration) loadError.value = e;
      return false;
    } finally {
      if (gen === openGeneration) loading.value = false;
    }
  }

  async function openAndRoute(found: Found): Promise<void> {
    if (await open(found.image.id, found)) useRouteStore().go({ view: 'annotate', imageId: found.image.id });
  }

  async function move(dir: 1 | -1): Promise<void> {
    if (!image.value) return;
    try {
      const found = await neighbour(useImagesStore().apiFilter, image.value.id, dir, listIndex.value);
      if (!found) notice.value = dir === 1 ? 'This is the last image in the list.' : 'This is the first image in the list.';
      else await openAndRoute(found);
    } catch (e) {
      notice.value = `Could not find the ${dir === 1 ? 'next' : 'previous'} image: ${messageOf(e)}`;
    }
  }

  const next = () => move(1);
  const previous = () => move(-1);

  /** The next image without boxes after this one, wrapping to the start of the list. */
  async function nextUnannotated(): Promise<void> {
    if (!image.value) return;
    const filter: ImageFilter = { ...useImagesStore().apiFilter, unannotated: true };
    try {
      let found = await neighbour(filter, image.value.id, 1);
      if (!found) {
        const first = await api.call('images.list', { offset: 0, limit: 1, filter });
        if (first.items[0] && first.items[0].id !== image.value.id) found = { image: first.items[0], index: 0, total: first.total };
      }
      if (!found) notice.value = 'Every other image in the list has boxes.';
      else await openAndRoute(found);
    } catch (e) {
      notice.value = `Could not find the next unannotated image: ${messageOf(e)}`;
    }
  }

  /**
   * Copies the boxes of the previous image in the list (ignoring the "unannotated" filter, which would
   * make the previous image empty by definition): the usual start for consecutive frames of one scan.
   */
  async function copyPrevious(): Promise<void> {
    const current = image.value;
    if (!current || !editable()) return;
    const filter: ImageFilter = { ...useImagesStore().apiFilter };
    delete filter.unannotated;
    try {
      const prev = await neighbour(filter, current.id, -1);
      if (!prev) {
        notice.value = 'There is no previous image in the list to copy boxes from.';
        return;
      }
      const source = await api.call('annotations.list', { imageId: prev.image.id });
      if (image.value?.id !== current.id) return;
      let copied = 0;
      let skipped = 0;
      for (const a of source) {
        const box = clipToImage(a, current.width, current.height);
        if (!box || visibleBoxes.value.some((b) => sameBox(b, { ...box, categoryId: a.categoryId }))) {
          skipped++;
          continue;
        }
        if (addBox(box, a.categoryId) !== null) copied++;
      }
      notice.value =
        source.length === 0
          ? `${prev.image.originalName} has no boxes to copy.`
          : `Copied ${copied} box${copied === 1 ? '' : 'es'} from ${prev.image.originalName}${skipped ? ` (${skipped} already here or outside this image)` : ''}.`;
    } catch (e) {
      notice.value = `Could not copy the previous image's boxes: ${messageOf(e)}`;
    }
  }

  /** Leaves the image (the project was closed or another one opened); pending saves are dropped. */
  function forget(): void {
    openGeneration++;
    queue.discard();
    image.value = null;
    listIndex.value = undefined;
    listTotal.value = undefined;
    boxes.value = [];
    selectedKey.value = null;
    loadError.value = null;
    notice.value = null;
  }

  function dismissNotice(): void {
    notice.value = null;
  }

  return {
    image,
    listIndex,
    listTotal,
    boxes,
    visibleBoxes,
    selectedKey,
    selected,
    loading,
    loadError,
    notice,
    canUndo,
    canRedo,
    stepping,
    saveState,
    saveMessage,
    unsavedKeys,
    imageUrl,
    addBox,
    updateBox,
    deleteBox,
    select,
    cycleCategory,
    retry,
    discardUnsaved,
    reload,
    undo,
    redo,
    open,
    next,
    previous,
    nextUnannotated,
    copyPrevious,
    forget,
    dismissNotice,
  };
});
