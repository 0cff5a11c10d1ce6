/**
 * Which images train and which are evaluated in each fold. Every method runs on the same plan, so their
 * per-image results pair up for McNemar's test.
 */
import { SonoError } from '../errors.js';
import { subjectKFold } from '../metrics/index.js';
import type { StudyConfig } from './config.js';
import type { StudyImage } from './inputs.js';

export type EvalSet = 'cv' | 'test';

export interface FoldPlan {
  /** 1-based. */
  index: number;
  name: string;
  set: EvalSet;
  /** Indices into the main project's images. */
  train: number[];
  /** Indices into the main images (set 'cv', or a fixed split's test images) or into the test project's images. */
  test: number[];
  testFromOtherProject: boolean;
}

/**
 * k subject-wise folds (or the fixed split), plus, with a test project, one fold trained on every main
 * image and evaluated on the test project.
 */
export function planFolds(main: readonly StudyImage[], testProject: readonly StudyImage[] | null, config: StudyConfig): FoldPlan[] {
  const plans: FoldPlan[] = [];
  if (config.split === 'kfold') {
    const fold = subjectKFold(main.map((m) => m.subject), config.folds, config.seed);
    for (let f = 0; f < config.folds; f++) {
      const train: number[] = [];
      const test: number[] = [];
      fold.forEach((g, i) => (g === f ? test : train).push(i));
      plans.push({ index: f + 1, name: `fold-${f + 1}`, set: 'cv', train, test, testFromOtherProject: false });
    }
  } else {
    if (testProject) throw new SonoError('BAD_INPUT', 'use either a fixed split or a test project, not both');
    const train: number[] = [];
    const test: number[] = [];
    main.forEach((m, i) => (m.split === 'test' ? test : train).push(i));
    if (test.length === 0 || train.length === 0) {
      throw new SonoError('BAD_INPUT', `a fixed split needs images in the test split and outside it (found ${test.length} test, ${train.length} other)`);
    }
    const subjectsOf = (idx: number[]) => new Set(idx.map((i) => main[i].subject).filter((s) => s));
    const trainSubjects = subjectsOf(train);
    const shared = [...subjectsOf(test)].filter((s) => trainSubjects.has(s));
    if (shared.length > 0) {
      throw new SonoError('BAD_INPUT', `the fixed split puts subject ${shared[0]} in both test and training images; a subject must stay on one side`);
    }
    plans.push({ index: 1, name: 'fixed', set: 'test', train, test, testFromOtherProject: false });
  }
  if (testProject) {
    if (testProject.length === 0) throw new SonoError('BAD_INPUT', 'the test project has no images with a box of the study category');
    plans.push({
      index: plans.length + 1,
      name: 'all-vs-test-project',
      set: 'test',
      train: main.map((_, i) => i),
      test: testProject.map((_, i) => i),
      testFromOtherProject: true,
    });
  }
  for (const p of plans) {
    if (p.train.length < 2) throw new SonoError('BAD_INPUT', `${p.name} has ${p.train.length} training image(s); a study needs more images`);
  }
  return plans;
}
