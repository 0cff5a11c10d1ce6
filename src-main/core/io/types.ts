/**
 * The neutral record every annotation format is read into and written from. Readers are pure functions
 * from text to these records plus per-item problems; they never touch the project, so a bad file can be
 * reported without changing anything.
 */

/** An image as an annotation file names it. `fileName` is the path as written in the file (forward slashes). */
export interface AnnotatedImage {
  fileName: string;
  width?: number;
  height?: number;
  subject?: string;
  split?: 'train' | 'val' | 'test';
}

/** A box in image pixels: (x, y) is the top-left corner. */
export interface BoxRecord {
  fileName: string;
  category: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface AnnotationSet {
  images: AnnotatedImage[];
  /** Category names in their file order (ids are the project's business). */
  categories: string[];
  boxes: BoxRecord[];
}

/** A problem with one file or one item in it; the rest of the input is still usable. */
export interface InputIssue {
  /** The file the problem is in (as given to the reader). */
  file: string;
  /** What is wrong, in words a user can act on; includes the item (annotation id, line) when known. */
  reason: string;
}

export interface ReadResult {
  set: AnnotationSet;
  issues: InputIssue[];
}

/**
 * Box coordinates are kept to 1/1000 px: every reader rounds to this grid, so that writing to a format
 * with normalised coordinates (YOLO) and reading back returns the same numbers exactly.
 */
export const COORD_DECIMALS = 3;

export function roundCoord(v: number): number {
  const f = 10 ** COORD_DECIMALS;
  return Math.round(v * f) / f;
}

export type AnnotationFormat = 'coco' | 'voc' | 'yolo' | 'csv';
