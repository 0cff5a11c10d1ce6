import { nowIso } from '../util/time.js';
import type { Project } from './open.js';

/** What an annotation looks like at one point of its history (null in the log = not existing). */
export interface AnnotationState {
  categoryId: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface EditEntry {
  seq: number;
  at: string;
  author: string;
  imageId: number;
  annotationId: number;
  kind: 'do' | 'undo' | 'redo';
  op: 'create' | 'update' | 'delete';
  targetSeq: number | null;
  before: AnnotationState | null;
  after: AnnotationState | null;
}

interface EditRow {
  seq: number;
  at: string;
  author: string;
  image_id: number;
  annotation_id: number;
  kind: EditEntry['kind'];
  op: EditEntry['op'];
  target_seq: number | null;
  before: string | null;
  after: string | null;
}

function fromRow(r: EditRow): EditEntry {
  return {
    seq: r.seq,
    at: r.at,
    author: r.author,
    imageId: r.image_id,
    annotationId: r.annotation_id,
    kind: r.kind,
    op: r.op,
    targetSeq: r.target_seq,
    before: r.before === null ? null : (JSON.parse(r.before) as AnnotationState),
    after: r.after === null ? null : (JSON.parse(r.after) as AnnotationState),
  };
}

/** Appends one entry; the caller holds the transaction that also changes the annotation. */
export function appendEdit(project: Project, e: Omit<EditEntry, 'seq' | 'at' | 'targetSeq'> & { targetSeq?: number }): number {
  const info = project.db
    .prepare(
      'INSERT INTO edit_log (at, author, image_id, annotation_id, kind, op, target_seq, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      nowIso(),
      e.author,
      e.imageId,
      e.annotationId,
      e.kind,
      e.op,
      e.targetSeq ?? null,
      e.before === null ? null : JSON.stringify(e.before),
      e.after === null ? null : JSON.stringify(e.after),
    );
  return Number(info.lastInsertRowid);
}

export function editHistory(project: Project, imageId: number): EditEntry[] {
  const rows = project.db.prepare('SELECT * FROM edit_log WHERE image_id = ? ORDER BY seq').all(imageId) as EditRow[];
  return rows.map(fromRow);
}

export interface UndoStacks {
  /** 'do' entries that undo would reverse, last = next. */
  done: EditEntry[];
  /** 'do' entries that redo would re-apply, last = next. */
  undone: EditEntry[];
}

/**
 * Replays an image's log into its undo and redo stacks. The stacks are derived, never stored, so they
 * survive a restart and can never disagree with the log. A new edit clears the redo stack, as in every
 * editor.
 */
export function undoStacks(history: readonly EditEntry[]): UndoStacks {
  const bySeq = new Map<number, EditEntry>();
  const done: EditEntry[] = [];
  const undone: EditEntry[] = [];
  for (const e of history) {
    if (e.kind === 'do') {
      bySeq.set(e.seq, e);
      done.push(e);
      undone.length = 0;
    } else if (e.kind === 'undo') {
      const i = done.findIndex((d) => d.seq === e.targetSeq);
      if (i >= 0) undone.push(...done.splice(i, 1));
    } else {
      const i = undone.findIndex((d) => d.seq === e.targetSeq);
      if (i >= 0) done.push(...undone.splice(i, 1));
    }
  }
  return { done, undone };
}
