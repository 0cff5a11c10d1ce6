import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';
import type { ProjectInfo } from '../lib/types';

/** The open project, its summary and the recent list (`session.*`, `project.info`). */
export const useSessionStore = defineStore('session', () => {
  const dir = ref<string | null>(null);
  const info = ref<ProjectInfo | null>(null);
  const recent = ref<string[]>([]);
  /** What is being done right now, in words, for the progress line; null when idle. */
  const busy = ref<string | null>(null);
  const error = ref<unknown>(null);
  const loaded = ref(false);

  async function guarded(label: string, work: () => Promise<void>): Promise<boolean> {
    busy.value = label;
    error.value = null;
    try {
      await work();
      return true;
    } catch (e) {
      error.value = e;
      return false;
    } finally {
      busy.value = null;
    }
  }

  async function refreshInfo(): Promise<void> {
    info.value = dir.value ? await api.call('project.info', {}) : null;
  }

  async function refresh(): Promise<boolean> {
    return guarded('Loading the current project…', async () => {
      const [current, list] = await Promise.all([api.call('session.current', {}), api.call('session.recent', {})]);
      dir.value = current?.dir ?? null;
      recent.value = list;
      await refreshInfo();
      loaded.value = true;
    });
  }

  async function open(path: string): Promise<boolean> {
    return guarded(`Opening ${path}…`, async () => {
      dir.value = (await api.call('session.open', { dir: path }))?.dir ?? null;
      recent.value = await api.call('session.recent', {});
      await refreshInfo();
    });
  }

  async function create(path: string): Promise<boolean> {
    return guarded(`Creating a project in ${path}…`, async () => {
      dir.value = (await api.call('session.create', { dir: path }))?.dir ?? null;
      recent.value = await api.call('session.recent', {});
      await refreshInfo();
    });
  }

  async function close(): Promise<boolean> {
    return guarded('Closing the project…', async () => {
      await api.call('session.close', {});
      dir.value = null;
      info.value = null;
    });
  }

  return { dir, info, recent, busy, error, loaded, refresh, refreshInfo, open, create, close };
});
