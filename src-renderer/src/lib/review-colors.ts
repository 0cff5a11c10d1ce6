/**
 * Ground truth and detection colours in Review: green and orange differ in lightness as well as hue, and
 * the detection is also dashed, so they stay apart for colour-blind readers and on a grey B-mode image.
 */
export const TRUTH_COLOR = '#4cd18a';
export const DETECTION_COLOR = '#ff9f43';
