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
export type RunRow = ApiOutput<'runs.list'>[number];
export type StudyJob = NonNullable<ApiOutput<'runs.active'>>;
export type StudyOptions = ApiOutput<'runs.options'>;
export type StudyRequest = ApiInput<'runs.start'>;
export type RunMethod = StudyRequest['methods'][number];
export type ReviewPage = ApiOutput<'runs.detections'>;
export type ReviewItem = ReviewPage['items'][number];
export type Table1Row = ApiOutput<'runs.table'>[number];
export type DetectionWindows = ApiOutput<'runs.windows'>;
export type ReviewWindow = DetectionWindows['windows'][number];
export type LossCurves = ApiOutput<'runs.losses'>[number];

/** A box in image pixels; (x, y) is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
