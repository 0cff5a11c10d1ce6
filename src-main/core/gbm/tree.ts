/**
 * A fitted regression tree in flat arrays. Node 0 is the root and children always have larger ids
 * than their parent, so walking down always ends. Leaves have feature -1.
 */
export interface Tree {
  readonly nNodes: number;
  readonly feature: Int32Array;
  /** Samples with value <= threshold go left; +Infinity separates present from missing values. */
  readonly threshold: Float64Array;
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf output (learning rate applied); 0 on split nodes. */
  readonly value: Float64Array;
  /** Split gain on split nodes (for importances); 0 on leaves. */
  readonly gain: Float64Array;
  /** Training samples that reached the node. */
  readonly count: Int32Array;
}

/** Output of `tree` for row `row` of a row-major matrix with `nCols` columns. */
export function predictRow(tree: Tree, x: Float32Array, nCols: number, row: number): number {
  const base = row * nCols;
  const feature = tree.feature;
  const threshold = tree.threshold;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    const v = x[base + f];
    if (v <= threshold[node]) node = tree.left[node];
    else if (v !== v && tree.missingLeft[node] === 1) node = tree.left[node];
    else node = tree.right[node];
    f = feature[node];
  }
  return tree.value[node];
}

/**
 * Output of `tree` for column-major binned row `i`, given each split's bin threshold; used on the
 * validation set during training, where it agrees with predictRow on the raw values by construction
 * of the bin edges.
 */
export function predictBinnedRow(tree: Tree, binThreshold: Uint8Array, binned: Uint8Array, nRows: number, i: number): number {
  const feature = tree.feature;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    const code = binned[f * nRows + i];
    const goLeft = code === 255 ? tree.missingLeft[node] === 1 : code <= binThreshold[node];
    node = goLeft ? tree.left[node] : tree.right[node];
    f = feature[node];
  }
  return tree.value[node];
}

/** Copies the first `n` nodes out of the growth buffers. */
export function trimTree(t: Tree, n: number): Tree {
  return {
    nNodes: n,
    feature: t.feature.slice(0, n),
    threshold: t.threshold.slice(0, n),
    missingLeft: t.missingLeft.slice(0, n),
    left: t.left.slice(0, n),
    right: t.right.slice(0, n),
    value: t.value.slice(0, n),
    gain: t.gain.slice(0, n),
    count: t.count.slice(0, n),
  };
}

export function allocTree(nNodes: number): Tree {
  return {
    nNodes,
    feature: new Int32Array(nNodes).fill(-1),
    threshold: new Float64Array(nNodes),
    missingLeft: new Uint8Array(nNodes),
    left: new Int32Array(nNodes).fill(-1),
    right: new Int32Array(nNodes).fill(-1),
    value: new Float64Array(nNodes),
    gain: new Float64Array(nNodes),
    count: new Int32Array(nNodes),
  };
}
