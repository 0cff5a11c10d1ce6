import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { loadSetting, saveSetting } from '../lib/persist';
import { clampWindowLevel, isWindowLevel, WL_DEFAULT, type WindowLevel } from '../lib/window-level';

const KEY = 'sonotl.windowLevel.v1';

/**
 * Display settings that belong to the reader, not to an image: window/level stays as set when moving
 * between images and across restarts, as on an ultrasound workstation.
 */
export const useDisplayStore = defineStore('display', () => {
  const windowLevel = ref<WindowLevel>(clampWindowLevel(loadSetting(KEY, WL_DEFAULT, isWindowLevel)));

  function set(next: Partial<WindowLevel>): void {
    windowLevel.value = clampWindowLevel({ ...windowLevel.value, ...next });
  }

  function reset(): void {
    windowLevel.value = { ...WL_DEFAULT };
  }

  watch(windowLevel, (wl) => saveSetting(KEY, wl), { deep: true });

  return { windowLevel, set, reset };
});
