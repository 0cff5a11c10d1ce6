/**
 * Weight re-layouts from ONNX (NCHW activations, OIHW kernels, Gemm [out, in] with transB) to tfjs
 * (NHWC, HWIO, Dense [in, out]): the inverses of the exporter's weights.ts.
 */

/** ONNX Conv weight [cout, cin/groups, kh, kw] -> tfjs kernel [kh, kw, cin/groups, cout]. */
export function oihwToHwio(weight: Float32Array, [cout, cin, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(weight.length);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((y * kw + x) * cin + i) * cout + o] = weight[((o * cin + i) * kh + y) * kw + x];
      }
    }
  }
  return out;
}

/** Gemm weight B -> Dense kernel [in, out]. With transB = 1 (Caffe/Caffe2 FC layout) B is [out, in]. */
export function gemmToDense(b: Float32Array, [rows, cols]: number[], transB: boolean): { data: Float32Array; inputs: number; units: number } {
  if (!transB) return { data: Float32Array.from(b), inputs: rows, units: cols };
  const out = new Float32Array(b.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = b[r * cols + c];
  }
  return { data: out, inputs: cols, units: rows };
}

/**
 * Reorders Dense kernel rows from ONNX's flatten order of an NCHW tensor (c, h, w) to tfjs's flatten
 * order of the same tensor held NHWC (h, w, c).
 */
export function chwRowsToHwc(kernel: Float32Array, h: number, w: number, c: number, units: number): Float32Array {
  if (kernel.length !== h * w * c * units) {
    throw new Error(`Dense kernel has ${kernel.length} values, expected ${c}*${h}*${w}*${units}`);
  }
  const out = new Float32Array(kernel.length);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((ch * h + y) * w + x) * units;
        const dst = ((y * w + x) * c + ch) * units;
        out.set(kernel.subarray(src, src + units), dst);
      }
    }
  }
  return out;
}
