import type { ApiInput } from '../../../src-main/api/contract';
import type { ApiOutput } from '../../../src-main/api/service';

/** Shapes of API results the views work with, named once here. */
export type ImageSummary = ApiOutput<'images.list'>['items'][number];
export type ImageFilter = NonNullable<ApiInput<'images.list'>['filter']>;
export type Annotation = ApiOutput<'annotations.list'>[number];
export type Category = ApiOutput<'categories.list'>[number];
export type ProjectInfo = ApiOutput<'project.info'>;
export type ImportReport = ApiOutput<'import.run'>;
export type AnnotationFormat = NonNullable<ApiInput<'import.run'>['annotations']>['format'];

/** A box in image pixels; (x, y) is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
