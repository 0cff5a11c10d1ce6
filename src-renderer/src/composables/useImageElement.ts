import { ref, shallowRef, watch, type Ref } from 'vue';
import { loadImage } from './image-cache';

/** The decoded image behind a URL, with its loading state; a newer URL wins over a slower older one. */
export function useImageElement(url: Ref<string | null>) {
  const element = shallowRef<HTMLImageElement | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let generation = 0;

  watch(
    url,
    async (u) => {
      const gen = ++generation;
      error.value = null;
      if (!u) {
        element.value = null;
        return;
      }
      // Drop the old picture at once: it must never be shown under the next image's boxes.
      element.value = null;
      loading.value = true;
      try {
        const img = await loadImage(u);
        if (gen === generation) element.value = img;
      } catch (e) {
        if (gen === generation) {
          element.value = null;
          error.value = e instanceof Error ? e.message : String(e);
        }
      } finally {
        if (gen === generation) loading.value = false;
      }
    },
    { immediate: true },
  );

  return { element, loading, error };
}
