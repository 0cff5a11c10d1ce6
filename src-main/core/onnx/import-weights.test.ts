import { describe, expect, it } from 'vitest';
import { chwRowsToHwc, gemmToDense, oihwToHwio } from './import-weights.js';
import { hwcRowsToChw, hwioToOihw } from './weights.js';
import { randomArray, seededRandom } from './test-support.js';

describe('ONNX -> tfjs weight layouts (inverses of the exporter)', () => {
  it('oihwToHwio undoes hwioToOihw, and moves one known element', () => {
    const shape = [2, 3, 4, 5]; // kh, kw, cin, cout
    const hwio = randomArray(2 * 3 * 4 * 5, seededRandom(1));
    expect(oihwToHwio(hwioToOihw(hwio, shape), [5, 4, 2, 3])).toEqual(hwio);
    // OIHW [o=4, i=1, y=1, x=2] -> HWIO [y=1, x=2, i=1, o=4].
    const oihw = new Float32Array(5 * 4 * 2 * 3);
    oihw[((4 * 4 + 1) * 2 + 1) * 3 + 2] = 7;
    expect(oihwToHwio(oihw, [5, 4, 2, 3])[((1 * 3 + 2) * 4 + 1) * 5 + 4]).toBe(7);
  });

  it('chwRowsToHwc undoes hwcRowsToChw', () => {
    const kernel = randomArray(2 * 3 * 4 * 6, seededRandom(2));
    expect(chwRowsToHwc(hwcRowsToChw(kernel, 2, 3, 4, 6), 2, 3, 4, 6)).toEqual(kernel);
    expect(() => chwRowsToHwc(kernel, 2, 3, 5, 6)).toThrow(/expected 5\*2\*3\*6/);
  });

  it('gemmToDense transposes a transB = 1 weight [out, in] to [in, out]', () => {
    const b = Float32Array.of(1, 2, 3, 4, 5, 6); // [2 out, 3 in]
    expect(gemmToDense(b, [2, 3], true)).toEqual({ data: Float32Array.of(1, 4, 2, 5, 3, 6), inputs: 3, units: 2 });
    expect(gemmToDense(b, [3, 2], false)).toEqual({ data: b, inputs: 3, units: 2 });
  });
});
