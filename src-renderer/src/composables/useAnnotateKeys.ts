import { onBeforeUnmount, onMounted } from 'vue';
import { comboOf, isTypingTarget } from '../lib/keys';
import { useAnnotateStore } from '../stores/annotate';
import { useShortcutsStore, type Action } from '../stores/shortcuts';

/**
 * The annotate view's keyboard: looks each key up in the (remappable) bindings, or, while the cheat
 * sheet waits for a new key, records it for the action being changed.
 */
export function useAnnotateKeys(extra: { fit: () => void }) {
  const store = useAnnotateStore();
  const shortcuts = useShortcutsStore();

  const run: Record<Action, () => void> = {
    nextImage: () => void store.next(),
    prevImage: () => void store.previous(),
    nextUnannotated: () => void store.nextUnannotated(),
    copyPrevious: () => void store.copyPrevious(),
    deleteBox: () => store.deleteBox(),
    undo: () => void store.undo(),
    redo: () => void store.redo(),
    nextCategory: () => store.cycleCategory(),
    fit: extra.fit,
    deselect: () => store.select(null),
    help: () => {
      shortcuts.sheetOpen = !shortcuts.sheetOpen;
    },
  };

  function onKeyDown(e: KeyboardEvent): void {
    if (isTypingTarget(e.target)) return;
    const combo = comboOf(e);
    if (!combo) return;
    if (shortcuts.capturing) {
      e.preventDefault();
      if (combo === 'Escape') shortcuts.capturing = null;
      else shortcuts.rebind(shortcuts.capturing, combo);
      return;
    }
    const action = shortcuts.actionFor(combo);
    if (!action) return;
    e.preventDefault();
    // Holding an arrow key must not queue dozens of image switches.
    if (e.repeat && (action === 'nextImage' || action === 'prevImage' || action === 'nextUnannotated' || action === 'undo' || action === 'redo')) return;
    run[action]();
  }

  onMounted(() => window.addEventListener('keydown', onKeyDown));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeyDown));
}
