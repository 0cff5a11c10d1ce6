/**
 * Table 1 of the study and the paired comparisons, computed from per-image detections: failures are
 * detections with Dice < 0.80 (`isLocalizationFailure`), with Wilson intervals; mean Dice with a
 * subject-resampling bootstrap interval; accuracy is patch classification on held-out patches.
 */
import { FAILURE_DICE, isLocalizationFailure, mcnemar, wilson } from '../metrics/index.js';
import { clusterBootstrapMeanCI } from './cluster-bootstrap.js';
import type { AvailableMethod, StudyEntry } from './config.js';
import type { DetectionRecord, StudyComputation } from './compute.js';
import type { EvalSet } from './plan.js';

export interface Table1Row {
  method: AvailableMethod;
  backbone: string | null;
  set: EvalSet;
  /** Images evaluated. */
  n: number;
  failures: number;
  failureRate: number;
  failureRateCI: [number, number];
  successRate: number;
  successRateCI: [number, number];
  /** Patch-classification accuracy of the classifier on held-out patches. */
  accuracy: number;
  accuracyCI: [number, number];
  /** Held-out patches the accuracy is computed on. */
  patches: number;
  meanDice: number;
  meanDiceCI: [number, number];
  meanIoU: number;
  /** Dice of the boxes before refinement, averaged: what refinement changed. */
  meanCoarseDice: number;
}

export interface McNemarRow {
  set: EvalSet;
  methodA: AvailableMethod;
  /** null for Haar; with extra backbones the same method appears once per backbone. */
  backboneA: string | null;
  methodB: AvailableMethod;
  backboneB: string | null;
  n: number;
  /** Images A localised (Dice >= 0.8) and B did not. */
  onlyA: number;
  onlyB: number;
  statistic: number;
  pValue: number;
  exact: boolean;
}

export const SETS: readonly EvalSet[] = ['cv', 'test'];

type EntryKey = Pick<StudyEntry, 'method' | 'backbone'>;

export function detectionsOf(c: StudyComputation, entry: EntryKey, set: EvalSet): DetectionRecord[] {
  // Sorted by image so that two methods' lists pair up item by item.
  return c.detections
    .filter((d) => d.method === entry.method && d.backbone === entry.backbone && d.set === set)
    .sort((a, b) => a.imageId - b.imageId || a.fold - b.fold);
}

/** One row per reported (method, backbone) and evaluation set. */
export function table1(c: StudyComputation, seed = 0): Table1Row[] {
  const rows: Table1Row[] = [];
  for (const set of SETS) {
    for (const { method, backbone } of c.entries) {
      const dets = detectionsOf(c, { method, backbone }, set);
      if (dets.length === 0) continue;
      const n = dets.length;
      const failures = dets.filter((d) => isLocalizationFailure(d.dice, FAILURE_DICE)).length;
      const [fLo, fHi] = wilson(failures, n);
      const acc = c.accuracy.filter((a) => a.method === method && a.backbone === backbone && a.set === set);
      const correct = acc.reduce((s, a) => s + a.correct, 0);
      const patches = acc.reduce((s, a) => s + a.n, 0);
      const dice = clusterBootstrapMeanCI(dets.map((d) => d.dice), dets.map((d) => d.subject), { seed });
      rows.push({
        method,
        backbone,
        set,
        n,
        failures,
        failureRate: failures / n,
        failureRateCI: [fLo, fHi],
        successRate: 1 - failures / n,
        successRateCI: [1 - fHi, 1 - fLo],
        accuracy: patches > 0 ? correct / patches : NaN,
        accuracyCI: patches > 0 ? wilson(correct, patches) : [0, 1],
        patches,
        meanDice: dice.mean,
        meanDiceCI: [dice.lo, dice.hi],
        meanIoU: dets.reduce((s, d) => s + d.iou, 0) / n,
        meanCoarseDice: dets.reduce((s, d) => s + d.coarseDice, 0) / n,
      });
    }
  }
  return rows;
}

/**
 * McNemar's test on localisation success between every pair of reported (method, backbone) entries,
 * per evaluation set: every backbone ran on the same folds, so its detections pair up with the others'.
 */
export function mcnemarTable(c: StudyComputation): McNemarRow[] {
  const out: McNemarRow[] = [];
  const name = (e: EntryKey) => (e.backbone === null ? e.method : `${e.method} (${e.backbone})`);
  for (const set of SETS) {
    const present = c.entries.filter((e) => detectionsOf(c, e, set).length > 0);
    for (let i = 0; i < present.length; i++) {
      for (let j = i + 1; j < present.length; j++) {
        const a = detectionsOf(c, present[i], set);
        const b = detectionsOf(c, present[j], set);
        if (a.length !== b.length || a.some((d, k) => d.imageId !== b[k].imageId || d.fold !== b[k].fold)) {
          throw new Error(`methods ${name(present[i])} and ${name(present[j])} were not evaluated on the same images and folds`);
        }
        const r = mcnemar(a.map((d) => d.dice >= FAILURE_DICE), b.map((d) => d.dice >= FAILURE_DICE));
        out.push({
          set,
          methodA: present[i].method,
          backboneA: present[i].backbone,
          methodB: present[j].method,
          backboneB: present[j].backbone,
          n: a.length,
          onlyA: r.b,
          onlyB: r.c,
          statistic: r.statistic,
          pValue: r.pValue,
          exact: r.exact,
        });
      }
    }
  }
  return out;
}
