import { assertImage, writeState } from './annotations.js';
import { appendEdit, editHistory, undoStacks, type EditEntry } from './edit-log.js';
import type { Project } from './open.js';

export interface UndoResult {
  /** The edit that was reversed or re-applied, or null when there was nothing to do. */
  entry: EditEntry | null;
  canUndo: boolean;
  canRedo: boolean;
}

/** Reverses the image's most recent edit that is not yet undone; the reversal is itself logged. */
export function undo(project: Project, imageId: number, author: string): UndoResult {
  return step(project, imageId, author, 'undo');
}

/** Re-applies the most recently undone edit of the image. */
export function redo(project: Project, imageId: number, author: string): UndoResult {
  return step(project, imageId, author, 'redo');
}

export function undoState(project: Project, imageId: number): { canUndo: boolean; canRedo: boolean } {
  assertImage(project, imageId);
  const s = undoStacks(editHistory(project, imageId));
  return { canUndo: s.done.length > 0, canRedo: s.undone.length > 0 };
}

function step(project: Project, imageId: number, author: string, kind: 'undo' | 'redo'): UndoResult {
  assertImage(project, imageId);
  return project.db.transaction((): UndoResult => {
    const stacks = undoStacks(editHistory(project, imageId));
    const target = kind === 'undo' ? stacks.done.at(-1) : stacks.undone.at(-1);
    if (!target) return { entry: null, canUndo: stacks.done.length > 0, canRedo: stacks.undone.length > 0 };
    const state = kind === 'undo' ? target.before : target.after;
    writeState(project, target.annotationId, state, author);
    appendEdit(project, {
      author,
      imageId,
      annotationId: target.annotationId,
      kind,
      op: target.op,
      targetSeq: target.seq,
      before: kind === 'undo' ? target.after : target.before,
      after: state,
    });
    const after = undoStacks(editHistory(project, imageId));
    return { entry: target, canUndo: after.done.length > 0, canRedo: after.undone.length > 0 };
  })();
}
