import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ProgressEvent } from '../../../src-main/api/contract';
import { api } from '../api/client';
import type { AnnotationFormat, ImportReport } from '../lib/types';
import { useProgressStore } from './progress';
import { useSessionStore } from './session';

export interface ImportRequest {
  paths: string[];
  annotations?: { format: AnnotationFormat; path: string };
}

/** Splits the paths field: one path per line, blank lines ignored (paths may contain spaces). */
export function parsePaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** An import run: progress from the backend's events while it works, then its report. */
export const useImporterStore = defineStore('importer', () => {
  const running = ref(false);
  const progress = ref<ProgressEvent | null>(null);
  const report = ref<ImportReport | null>(null);
  const error = ref<unknown>(null);

  async function run(req: ImportRequest): Promise<void> {
    if (running.value) return;
    running.value = true;
    progress.value = null;
    report.value = null;
    error.value = null;
    const off = useProgressStore().listen((e) => {
      if (e.phase === 'import') progress.value = e;
    });
    try {
      report.value = await api.call('import.run', req.annotations ? { paths: req.paths, annotations: req.annotations } : { paths: req.paths });
    } catch (e) {
      error.value = e;
    } finally {
      off();
      running.value = false;
    }
    await useSessionStore()
      .refreshInfo()
      .catch(() => undefined);
  }

  return { running, progress, report, error, run };
});
