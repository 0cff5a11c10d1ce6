/**
 * Per-axis padding arithmetic for expressing convolution gradients as forward convolutions. Each spatial
 * axis (rows, columns) is planned independently from the forward pass's geometry along that axis.
 */
export interface AxisGeometry {
  /** Forward input length along the axis. */
  inSize: number;
  /** Forward output length (= the output gradient's length). */
  outSize: number;
  /** Padding the forward pass added before the input (tfjs's padInfo.top / .left). */
  padBefore: number;
  stride: number;
  filterSize: number;
  dilation: number;
}

/** Layout of the forward input for the filter-gradient convolution (output gradient as the filter). */
export interface FilterGradAxis {
  /** Leading input elements to use; any beyond were never read by a forward window. */
  keep: number;
  padBefore: number;
  padAfter: number;
}

/**
 * The filter gradient at tap i sums input[i*dilation + o*stride - padBefore] * dy[o] over o, i.e. it is a
 * convolution of the padded input with dy dilated by the forward stride, stepping by the forward dilation.
 * Padding/cropping the input to exactly the span the forward windows read makes that convolution produce
 * exactly `filterSize` taps, so no output has to be sliced off and no unused rows are multiplied.
 */
export function filterGradAxis(g: AxisGeometry): FilterGradAxis {
  const span = (g.outSize - 1) * g.stride + (g.filterSize - 1) * g.dilation + 1;
  const keep = Math.min(g.inSize, span - g.padBefore);
  if (keep <= 0) {
    throw new Error(`convolution whose windows read only padding (input ${g.inSize}, pad ${g.padBefore}) is not supported`);
  }
  return { keep, padBefore: g.padBefore, padAfter: span - g.padBefore - keep };
}

/** Layout of the zero-inserted output gradient for the input-gradient convolution. */
export interface InputGradAxis {
  padBefore: number;
  padAfter: number;
  /** The wanted input gradient starts this many positions into the convolution's output. */
  cropBefore: number;
  /** Length of the convolution's output, which may exceed `inSize` by a few trailing positions. */
  convOutSize: number;
}

/**
 * The input gradient is the "full" convolution of dy, with stride-1 zeros inserted between elements,
 * with the spatially flipped filter. Zero insertion by reshape+pad leaves stride-1 zeros after the last
 * element too; they are counted here. Padding the forward pass used beyond the filter's reach
 * (explicit padding > filter extent - 1) turns into cropping, expressed by `cropBefore` / extra output.
 */
export function inputGradAxis(g: AxisGeometry): InputGradAxis {
  const effective = (g.filterSize - 1) * g.dilation + 1;
  const zeroInsertedLength = g.outSize * g.stride;
  const before = effective - 1 - g.padBefore;
  const after = g.inSize + effective - 1 - before - zeroInsertedLength;
  const padBefore = Math.max(before, 0);
  const padAfter = Math.max(after, 0);
  return {
    padBefore,
    padAfter,
    cropBefore: Math.max(-before, 0),
    convOutSize: zeroInsertedLength + padBefore + padAfter - effective + 1,
  };
}
