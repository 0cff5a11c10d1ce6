/**
 * Writers take sets built by SonoTL itself, so an inconsistent set is a programming error, not bad user
 * input: it is thrown rather than written as a file that would read back differently.
 */
import { SonoError } from '../errors.js';
import { quote } from './checks.js';
import type { AnnotationSet, BoxRecord } from './types.js';

/** Indexes the set's images by file name, refusing sets whose boxes a file could not express. */
export function indexImages(set: AnnotationSet): Map<string, number> {
  const index = new Map<string, number>();
  set.images.forEach((image, i) => {
    if (index.has(image.fileName)) throw new SonoError('BAD_INPUT', `image ${quote(image.fileName)} appears twice in the annotation set`, image.fileName);
    index.set(image.fileName, i);
  });
  for (const box of set.boxes) {
    if (!index.has(box.fileName)) throw new SonoError('BAD_INPUT', `a box refers to image ${quote(box.fileName)}, which is not in the annotation set`, box.fileName);
  }
  return index;
}


export function unknownCategoryError(box: BoxRecord): SonoError {
  return new SonoError('BAD_INPUT', `a box on ${quote(box.fileName)} has category ${quote(box.category)}, which is not in the category list`, box.fileName);
}
