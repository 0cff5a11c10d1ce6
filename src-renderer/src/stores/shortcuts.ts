import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { loadSetting, saveSetting } from '../lib/persist';

export const ACTIONS = {
  nextImage: 'Next image',
  prevImage: 'Previous image',
  nextUnannotated: 'Next unannotated image',
  copyPrevious: "Copy the previous image's boxes",
  deleteBox: 'Delete the selected box',
  undo: 'Undo',
  redo: 'Redo',
  nextCategory: 'Next category (for new boxes and the selected box)',
  fit: 'Fit the image to the window',
  deselect: 'Deselect',
  help: 'Show or hide this sheet',
} as const;

export type Action = keyof typeof ACTIONS;
export type Bindings = Record<Action, string[]>;

export const DEFAULT_BINDINGS: Bindings = {
  nextImage: ['ArrowRight', 'D'],
  prevImage: ['ArrowLeft', 'A'],
  nextUnannotated: ['N'],
  copyPrevious: ['C'],
  deleteBox: ['Delete', 'Backspace'],
  undo: ['Ctrl+Z'],
  redo: ['Ctrl+Shift+Z', 'Ctrl+Y'],
  nextCategory: ['E'],
  fit: ['F'],
  deselect: ['Escape'],
  help: ['?'],
};

const KEY = 'sonotl.shortcuts.v1';

function isBindings(v: unknown): v is Partial<Bindings> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((list) => Array.isArray(list) && list.every((k) => typeof k === 'string'));
}

// A plain copy: the live bindings are a reactive proxy, which structuredClone refuses.
function copyOf(b: Bindings): Bindings {
  return Object.fromEntries(Object.entries(b).map(([action, keys]) => [action, [...keys]])) as Bindings;
}

/** Saved bindings over the defaults: an action added in a later version still gets its default keys. */
function load(): Bindings {
  const saved = loadSetting<Partial<Bindings>>(KEY, {}, isBindings);
  const out = copyOf(DEFAULT_BINDINGS);
  for (const action of Object.keys(ACTIONS) as Action[]) if (saved[action]) out[action] = [...saved[action]];
  return out;
}

/** Keyboard shortcuts, remappable and kept per workstation in localStorage. */
export const useShortcutsStore = defineStore('shortcuts', () => {
  const bindings = ref<Bindings>(load());
  const sheetOpen = ref(false);
  /** The action waiting for its new key in the cheat sheet, if any. */
  const capturing = ref<Action | null>(null);
  const lastChange = ref<string | null>(null);

  const byCombo = computed(() => {
    const map = new Map<string, Action>();
    for (const action of Object.keys(bindings.value) as Action[]) for (const combo of bindings.value[action]) map.set(combo, action);
    return map;
  });

  function actionFor(combo: string): Action | undefined {
    return byCombo.value.get(combo);
  }

  /** Makes `combo` the only key for `action`; another action that had it loses it (and is named). */
  function rebind(action: Action, combo: string): void {
    if (combo === 'Space') {
      lastChange.value = 'Space is kept for panning (hold it and drag); choose another key.';
      capturing.value = null;
      return;
    }
    const taken = actionFor(combo);
    const next = copyOf(bindings.value);
    if (taken && taken !== action) next[taken] = next[taken].filter((c) => c !== combo);
    next[action] = [combo];
    bindings.value = next;
    lastChange.value = taken && taken !== action ? `${combo} now does "${ACTIONS[action]}" and no longer "${ACTIONS[taken]}".` : `${combo} now does "${ACTIONS[action]}".`;
    capturing.value = null;
  }

  function resetAll(): void {
    bindings.value = copyOf(DEFAULT_BINDINGS);
    lastChange.value = 'All shortcuts are back to their defaults.';
  }

  watch(bindings, (b) => saveSetting(KEY, b), { deep: true });

  return { bindings, sheetOpen, capturing, lastChange, actionFor, rebind, resetAll };
});
