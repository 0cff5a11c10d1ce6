/**
 * One computation from the computations of a study's backbones: the main backbone's (Haar and every
 * CNN method) followed by each extra backbone's (CNN methods only). Each ran on the same fold plan, so
 * their folds line up one to one; the per-fold classifier counts of an extra backbone are kept under
 * '<method>@<backbone>' (see entryName).
 */
import { SonoError } from '../errors.js';
import type { StudyComputation } from './compute.js';
import { entryName } from './config.js';

export interface BackboneComputation {
  backbone: string;
  computation: StudyComputation;
}

export function combineBackbones(mainBackbone: string, parts: readonly BackboneComputation[]): StudyComputation {
  if (parts.length === 0) throw new SonoError('BAD_INPUT', 'no computation to combine');
  const [first, ...rest] = parts;
  if (rest.length === 0) return first.computation;
  const folds = first.computation.folds.map((f) => ({ ...f, trainPatches: { ...f.trainPatches }, rounds: { ...f.rounds } }));
  const seconds = { ...first.computation.seconds };
  const out: StudyComputation = {
    ...first.computation,
    methods: [...first.computation.methods],
    entries: [...first.computation.entries],
    finetuned: [...first.computation.finetuned],
    detections: [...first.computation.detections],
    accuracy: [...first.computation.accuracy],
    folds,
    seconds,
  };
  for (const { backbone, computation: c } of rest) {
    for (const m of c.methods) if (!out.methods.includes(m)) out.methods.push(m);
    out.entries.push(...c.entries);
    out.finetuned.push(...c.finetuned);
    out.detections.push(...c.detections);
    out.accuracy.push(...c.accuracy);
    for (const [phase, s] of Object.entries(c.seconds) as Array<[keyof typeof seconds, number]>) seconds[phase] = (seconds[phase] ?? 0) + s;
    for (const f of c.folds) {
      const own = folds.find((x) => x.index === f.index);
      // The plan depends only on the images and the split settings, never on the backbone.
      if (!own || own.name !== f.name || own.trainImages !== f.trainImages || own.testImages !== f.testImages) {
        throw new SonoError('BAD_INPUT', `backbone ${backbone} was computed on other folds than ${mainBackbone} (${f.name})`);
      }
      for (const [m, n] of Object.entries(f.trainPatches)) own.trainPatches[entryName(m, backbone, mainBackbone)] = n;
      for (const [m, n] of Object.entries(f.rounds)) own.rounds[entryName(m, backbone, mainBackbone)] = n;
    }
  }
  return out;
}
