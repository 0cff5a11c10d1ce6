/**
 * Ground truth and detection colours in Review: green and orange differ in lightness as well as hue, and
 * the detection is also dashed, so they stay apart for colour-blind readers and on a grey B-mode image.
 * The candidate windows are a blue far from both, dotted and thinner, and fade with their rank.
 */
export const TRUTH_COLOR = '#4cd18a';
export const DETECTION_COLOR = '#ff9f43';
export const WINDOW_COLOR = '#6cb6ff';
