import { defineStore } from 'pinia';
import type { ProgressEvent } from '../../../src-main/api/contract';
import { api } from '../api/client';

/**
 * One subscription to the backend's progress events for the whole app, opened at start-up so that the
 * first events of a job are not lost while a view is still connecting.
 */
export const useProgressStore = defineStore('progress', () => {
  const listeners = new Set<(e: ProgressEvent) => void>();
  let unsubscribe: (() => void) | null = null;

  function start(): void {
    if (unsubscribe) return;
    unsubscribe = api.onEvent((e) => {
      for (const l of listeners) l(e);
    });
  }

  function listen(cb: (e: ProgressEvent) => void): () => void {
    start();
    listeners.add(cb);
    return () => listeners.delete(cb);
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  return { start, listen, stop };
});
