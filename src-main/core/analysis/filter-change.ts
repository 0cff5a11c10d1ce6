import { SonoError } from '../errors.js';

/**
 * How much each filter of each layer moved during fine-tuning: the paper's Table 2. A filter is the set
 * of kernel weights producing one output channel; its relative change is ‖W_after − W_before‖₂ /
 * ‖W_before‖₂. Biases and batch-norm parameters are not part of it (MobileNetV2's convolutions have no
 * bias; its BN scale and shift are per-channel affine maps, not filters).
 */
export interface LayerKernel {
  layer: string;
  /** Kernel values in tfjs layout: output channels vary fastest. */
  values: Float32Array;
  /** Number of output filters: the last dimension (conv, dense) or the last two (depthwise: in × multiplier). */
  filters: number;
  /** Kernel shape, for the report. */
  shape: readonly number[];
}

export interface LayerChange {
  layer: string;
  shape: readonly number[];
  filters: number;
  /** Filters whose relative change exceeds the threshold. */
  changed: number;
  /** Relative change per filter, in output-channel order. */
  relative: Float64Array;
  quantiles: { min: number; q25: number; median: number; q75: number; max: number };
}

export interface FilterChangeReport {
  threshold: number;
  layers: LayerChange[];
  /** Layers with kernels in only one of the two networks (e.g. a detection head added for fine-tuning). */
  onlyBefore: string[];
  onlyAfter: string[];
}

export const DEFAULT_CHANGE_THRESHOLD = 0.4;

/** Relative L2 change per output filter of one kernel. A filter that was all zeros counts as changed when it became non-zero. */
export function relativeFilterChange(before: LayerKernel, after: LayerKernel): Float64Array {
  if (before.values.length !== after.values.length || before.filters !== after.filters) {
    throw new SonoError(
      'BAD_INPUT',
      `layer ${before.layer}: kernel shape [${before.shape.join(',')}] before adaptation but [${after.shape.join(',')}] after; the networks are not the same architecture`,
      before.layer,
    );
  }
  const f = before.filters;
  const num = new Float64Array(f);
  const den = new Float64Array(f);
  const b = before.values;
  const a = after.values;
  for (let i = 0; i < b.length; i++) {
    const k = i % f;
    const d = a[i] - b[i];
    num[k] += d * d;
    den[k] += b[i] * b[i];
  }
  const out = new Float64Array(f);
  for (let k = 0; k < f; k++) out[k] = den[k] > 0 ? Math.sqrt(num[k] / den[k]) : num[k] > 0 ? Infinity : 0;
  return out;
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Compares every layer present in both lists (matched by name, reported in `before`'s order). Throws when
 * the two share no layer at all, which means the wrong networks were paired.
 */
export function filterChange(before: readonly LayerKernel[], after: readonly LayerKernel[], threshold = DEFAULT_CHANGE_THRESHOLD): FilterChangeReport {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new SonoError('BAD_INPUT', `filter change threshold must be a number >= 0 (got ${threshold})`);
  const afterByName = new Map(after.map((k) => [k.layer, k]));
  const beforeNames = new Set(before.map((k) => k.layer));
  const layers: LayerChange[] = [];
  for (const kb of before) {
    const ka = afterByName.get(kb.layer);
    if (!ka) continue;
    const relative = relativeFilterChange(kb, ka);
    let changed = 0;
    for (const r of relative) if (r > threshold) changed++;
    const sorted = relative.slice().sort();
    layers.push({
      layer: kb.layer,
      shape: kb.shape,
      filters: kb.filters,
      changed,
      relative,
      quantiles: { min: sorted[0], q25: quantile(sorted, 0.25), median: quantile(sorted, 0.5), q75: quantile(sorted, 0.75), max: sorted[sorted.length - 1] },
    });
  }
  if (layers.length === 0 && before.length > 0) {
    throw new SonoError('BAD_INPUT', 'filter change: the pretrained and adapted networks have no convolution or dense layer name in common');
  }
  return {
    threshold,
    layers,
    onlyBefore: before.filter((k) => !afterByName.has(k.layer)).map((k) => k.layer),
    onlyAfter: after.filter((k) => !beforeNames.has(k.layer)).map((k) => k.layer),
  };
}

/** Histogram of relative changes: `bins` equal bins over [0, max(top, largest finite value)]; infinite values go in the last bin. */
export function changeHistogram(relative: Float64Array, bins = 10, top = 1): { edges: number[]; counts: number[] } {
  let max = top;
  for (const r of relative) if (Number.isFinite(r) && r > max) max = r;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (max * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (const r of relative) counts[Number.isFinite(r) ? Math.min(bins - 1, Math.floor((r / max) * bins)) : bins - 1]++;
  return { edges, counts };
}
