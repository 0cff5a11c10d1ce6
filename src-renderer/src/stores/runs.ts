import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { ProgressEvent } from '../../../src-main/api/contract';
import { api } from '../api/client';
import type { RunMethod, RunRow, StudyJob, StudyOptions, StudyRequest } from '../lib/types';
import { useProgressStore } from './progress';

/** The Runs form. Empty numbers mean "the preset's value" (shown as the field's placeholder). */
export interface RunForm {
  methods: RunMethod[];
  backbone: string;
  /** Backbones whose CNN methods also run, on the same folds (each its own runs). */
  extraBackbones: string[];
  split: 'kfold' | 'fixed';
  folds: number | null;
  seed: number | null;
  quick: boolean;
  maxIter: number | null;
  learningRate: number | null;
  maxLeafNodes: number | null;
  /** Fine-tuning of PA / FA. */
  epochs: number | null;
  finetuneRate: number | null;
}

const given = (v: number | null | string | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The API request for a filled-in form: only the values the user set, over the chosen preset. */
export function requestOf(f: RunForm): StudyRequest {
  const req: StudyRequest = { methods: [...f.methods], split: f.split, quick: f.quick };
  if (f.backbone) req.backbone = f.backbone;
  const extras = f.extraBackbones.filter((b) => b !== f.backbone);
  if (extras.length) req.extraBackbones = extras;
  if (f.split === 'kfold' && given(f.folds)) req.folds = f.folds;
  if (given(f.seed)) req.seed = f.seed;
  const gbm: NonNullable<StudyRequest['gbm']> = {};
  if (given(f.maxIter)) gbm.maxIter = f.maxIter;
  if (given(f.learningRate)) gbm.learningRate = f.learningRate;
  if (given(f.maxLeafNodes)) gbm.maxLeafNodes = f.maxLeafNodes;
  if (Object.keys(gbm).length) req.gbm = gbm;
  const tunes = f.methods.includes('pa') || f.methods.includes('fa');
  const finetune: NonNullable<StudyRequest['finetune']> = {};
  if (tunes && given(f.epochs)) finetune.epochs = f.epochs;
  if (tunes && given(f.finetuneRate)) finetune.learningRate = f.finetuneRate;
  if (Object.keys(finetune).length) req.finetune = finetune;
  return req;
}

const isStudyEvent = (e: ProgressEvent) => e.job.startsWith('study-');

/**
 * Studies of the open project: the form, the running job's live progress (from the backend's events,
 * re-attached from runs.active after a reload), cancel, restart and resume, and the history of runs.
 */
export const useRunsStore = defineStore('runs', () => {
  const options = ref<StudyOptions | null>(null);
  const runs = ref<RunRow[]>([]);
  const job = ref<StudyJob | null>(null);
  const form = reactive<RunForm>({
    methods: ['haar', 'na'],
    backbone: '',
    extraBackbones: [],
    split: 'kfold',
    folds: null,
    seed: null,
    quick: true,
    maxIter: null,
    learningRate: null,
    maxLeafNodes: null,
    epochs: null,
    finetuneRate: null,
  });
  const starting = ref(false);
  const error = ref<unknown>(null);
  const listError = ref<unknown>(null);
  let off: (() => void) | null = null;
  let refreshing: Promise<void> | null = null;

  const running = computed(() => job.value?.state === 'running');
  const preset = computed(() => (options.value ? (form.quick ? options.value.quick : options.value.defaults) : null));
  const finetunes = computed(() => form.methods.includes('pa') || form.methods.includes('fa'));
  const canStart = computed(() => !running.value && !starting.value && form.methods.length > 0);

  function onEvent(e: ProgressEvent): void {
    if (!isStudyEvent(e)) return;
    const j = job.value;
    if (!j || j.job !== e.job) {
      // A study this page did not start (another tab, or before a reload): ask what it is, once.
      if (!refreshing) refreshing = refreshActive().finally(() => (refreshing = null));
      return;
    }
    if (e.phase === 'finished') {
      j.state = e.state ?? 'done';
      j.error = e.detail ?? null;
      j.finishedAt = new Date().toISOString();
      if (j.progress) j.progress = { ...j.progress, overall: e.overall ?? j.progress.overall, etaSeconds: 0 };
      void Promise.all([loadRuns(), refreshActive()]);
      return;
    }
    j.progress = {
      phase: e.phase,
      fold: e.fold,
      method: e.method,
      done: e.done,
      total: e.total,
      overall: e.overall ?? 0,
      etaSeconds: e.etaSeconds ?? null,
      detail: e.detail,
      epoch: e.epoch,
      batch: e.batch,
      loss: e.loss,
    };
    if (typeof e.loss === 'number') j.loss.push({ step: j.loss.length, loss: e.loss, method: e.method, fold: e.fold, epoch: e.epoch });
  }

  function listen(): void {
    off ??= useProgressStore().listen(onEvent);
  }

  async function loadRuns(): Promise<void> {
    try {
      runs.value = await api.call('runs.list', {});
      listError.value = null;
    } catch (e) {
      listError.value = e;
    }
  }

  async function refreshActive(): Promise<void> {
    try {
      job.value = await api.call('runs.active', {});
    } catch (e) {
      error.value = e;
    }
  }

  /** Everything the Runs page shows; called when it opens. */
  async function load(): Promise<void> {
    listen();
    const opts = options.value
      ? Promise.resolve()
      : api.call('runs.options', {}).then(
          (o) => {
            options.value = o;
            if (!form.backbone) form.backbone = o.backbones[0] ?? '';
            form.methods = form.methods.filter((m) => o.methods.find((x) => x.method === m)?.available);
          },
          (e: unknown) => {
            error.value = e;
          },
        );
    await Promise.all([opts, loadRuns(), refreshActive()]);
  }

  async function begin(work: () => Promise<StudyJob>): Promise<boolean> {
    if (starting.value || running.value) return false;
    listen();
    starting.value = true;
    error.value = null;
    try {
      job.value = await work();
      await loadRuns();
      return true;
    } catch (e) {
      error.value = e;
      return false;
    } finally {
      starting.value = false;
    }
  }

  const start = () => begin(() => api.call('runs.start', requestOf(form)));
  /** Starts the run's study again from the beginning with its stored settings. */
  const restart = (runId: string) => begin(() => api.call('runs.restart', { runId }));
  /** Goes on with the run's stopped study, reusing the fold networks it had fine-tuned. */
  const resume = (runId: string) => begin(() => api.call('runs.resume', { runId }));

  async function cancel(): Promise<void> {
    if (!job.value || !running.value) return;
    try {
      await api.call('runs.cancel', { job: job.value.job });
    } catch (e) {
      error.value = e;
    }
  }

  function toggleMethod(m: RunMethod, on: boolean): void {
    form.methods = on ? [...new Set([...form.methods, m])] : form.methods.filter((x) => x !== m);
  }

  /** Forgets the runs of a project that was closed. */
  function reset(): void {
    runs.value = [];
    job.value = null;
    error.value = null;
    listError.value = null;
  }

  return { options, runs, job, form, starting, error, listError, running, preset, finetunes, canStart, load, loadRuns, refreshActive, start, restart, resume, cancel, toggleMethod, reset };
});
