/** Annotation file formats: pure conversions between file text and the neutral AnnotationSet records. */
export * from './types.js';
export type { Checked } from './checks.js';
export { EDGE_SLACK_PX, MAX_ISSUES, MAX_JSON_BYTES, MAX_TEXT_BYTES, MAX_XML_BYTES, checkFileName } from './checks.js';
export { readCoco, writeCoco } from './coco.js';
export { CSV_COLUMNS, readCsv, writeCsv } from './csv.js';
export { readVoc, writeVoc } from './voc.js';
export { readYolo, readYoloClasses, writeYolo, writeYoloClasses } from './yolo.js';
export type { YoloImage } from './yolo.js';
