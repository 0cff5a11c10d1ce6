import { SonoError } from '../errors.js';

/**
 * 1-D complex FFT of any 5-smooth length (n = 2^a·3^b·5^c), on interleaved Float64Arrays (re, im, ...).
 *
 * Stockham autosort, decimation in frequency, radices 8, 4, 2, 3 and 5: each stage reads one buffer and
 * writes another in natural order, so there is no bit-reversal pass, and every stage's inner loop runs
 * over consecutive elements. Twiddles are tabulated per stage when the plan is built; a transform
 * allocates nothing once the plan's scratch has grown to the largest batch it was given.
 *
 * Several signals can be transformed at once ("batch"): element e of signal b sits at complex index
 * e·batch + b. A batch is simply a larger initial stride, so the inner loops then run over the batch and
 * a 2-D transform can do its column pass on a block of columns without transposing it.
 */

const SQRT1_2 = Math.SQRT1_2;
const C3 = -0.5;
const S3 = Math.sqrt(3) / 2;
const C51 = Math.cos((2 * Math.PI) / 5);
const C52 = Math.cos((4 * Math.PI) / 5);
const S51 = Math.sin((2 * Math.PI) / 5);
const S52 = Math.sin((4 * Math.PI) / 5);

/** True for integers >= 1 with no prime factor above 5. */
export function isFiveSmooth(n: number): boolean {
  if (!Number.isInteger(n) || n < 1) return false;
  for (const p of [2, 3, 5]) while (n % p === 0) n /= p;
  return n === 1;
}

/** The smallest 5-smooth integer >= n (and >= 1). */
export function nextFiveSmooth(n: number): number {
  let m = Math.max(1, Math.ceil(n));
  while (!isFiveSmooth(m)) m++;
  return m;
}

/**
 * Radices in stage order: the factor 2^k as 8s and 4s (a lone 2 only when k = 1), then 3s and 5s. Fewer,
 * larger stages mean fewer passes over the data, which is what the time goes into.
 */
function factorize(n: number): number[] {
  let r = n;
  let twos = 0;
  while (r % 2 === 0) {
    twos++;
    r /= 2;
  }
  const radices: number[] = [];
  if (twos === 1) radices.push(2);
  else if (twos > 1) {
    // 2^k = 8^a·4^b with b in {0, 1, 2}.
    const fours = [0, 2, 1][twos % 3];
    for (let i = 0; i < (twos - 2 * fours) / 3; i++) radices.push(8);
    for (let i = 0; i < fours; i++) radices.push(4);
  }
  while (r % 3 === 0) {
    radices.push(3);
    r /= 3;
  }
  while (r % 5 === 0) {
    radices.push(5);
    r /= 5;
  }
  return radices;
}

interface Stage {
  radix: number;
  /** Butterflies per stride group: the stage's sub-length divided by the radix. */
  m: number;
  /** Product of the radices of earlier stages: the stride, in elements, before multiplying by the batch. */
  stride: number;
  /** exp(-2πi·j·k / (radix·m)) for j < m, k = 1..radix-1, at complex index (radix-1)·j + k-1. */
  twiddles: Float64Array;
}

export class MixedRadixFft {
  readonly n: number;
  private readonly stages: Stage[];
  private scratch: Float64Array;
  private copy: Float64Array;

  constructor(n: number) {
    if (!isFiveSmooth(n)) {
      throw new SonoError('BAD_INPUT', `FFT length must be a positive integer with no prime factor above 5 (got ${n})`);
    }
    this.n = n;
    this.stages = [];
    let len = n;
    let stride = 1;
    for (const radix of factorize(n)) {
      const m = len / radix;
      const twiddles = new Float64Array(2 * (radix - 1) * m);
      for (let j = 0; j < m; j++) {
        for (let k = 1; k < radix; k++) {
          const a = (-2 * Math.PI * j * k) / len;
          const t = 2 * ((radix - 1) * j + k - 1);
          twiddles[t] = Math.cos(a);
          twiddles[t + 1] = Math.sin(a);
        }
      }
      this.stages.push({ radix, m, stride, twiddles });
      len = m;
      stride *= radix;
    }
    this.scratch = new Float64Array(2 * n);
    this.copy = new Float64Array(0);
  }

  /**
   * Forward DFT, X[k] = Σ x[j]·exp(-2πi·jk/n), of `batch` signals read from `src` at `srcOffset` and
   * written to `dst` at `dstOffset` (offsets in array elements). `src` is left unchanged unless it is
   * `dst`; `src` and `dst` may be the same range but must not otherwise overlap.
   */
  forward(src: Float64Array, dst: Float64Array, batch = 1, srcOffset = 0, dstOffset = 0): void {
    const len = 2 * this.n * batch;
    if (!Number.isInteger(batch) || batch < 1 || srcOffset + len > src.length || dstOffset + len > dst.length) {
      throw new SonoError(
        'BAD_INPUT',
        `FFT of ${batch} x ${this.n} points does not fit source (length ${src.length}, offset ${srcOffset}) ` +
          `or destination (length ${dst.length}, offset ${dstOffset})`,
      );
    }
    const stages = this.stages;
    const count = stages.length;
    if (count === 0) {
      if (src !== dst || srcOffset !== dstOffset) dst.set(src.subarray(srcOffset, srcOffset + len), dstOffset);
      return;
    }
    if (this.scratch.length < len) this.scratch = new Float64Array(len);
    // The last stage writes dst; stages before it alternate with the scratch buffer, so an odd count of
    // stages has the first one writing dst too. Reading and writing the same buffer in one stage is not
    // possible, hence the copy when the transform is in place.
    let inBuf = src;
    let inOff = srcOffset;
    if (count % 2 === 1 && src === dst) {
      if (this.copy.length < len) this.copy = new Float64Array(len);
      this.copy.set(src.subarray(srcOffset, srcOffset + len));
      inBuf = this.copy;
      inOff = 0;
    }
    for (let i = 0; i < count; i++) {
      const toDst = (count - 1 - i) % 2 === 0;
      const outBuf = toDst ? dst : this.scratch;
      const outOff = toDst ? dstOffset : 0;
      const st = stages[i];
      const s = st.stride * batch;
      switch (st.radix) {
        case 8:
          radix8(inBuf, inOff, outBuf, outOff, st.m, s, st.twiddles);
          break;
        case 4:
          radix4(inBuf, inOff, outBuf, outOff, st.m, s, st.twiddles);
          break;
        case 2:
          radix2(inBuf, inOff, outBuf, outOff, st.m, s, st.twiddles);
          break;
        case 3:
          radix3(inBuf, inOff, outBuf, outOff, st.m, s, st.twiddles);
          break;
        default:
          radix5(inBuf, inOff, outBuf, outOff, st.m, s, st.twiddles);
      }
      inBuf = outBuf;
      inOff = outOff;
    }
  }

  /**
   * Inverse DFT scaled by 1/n, so that inverse(forward(x)) = x; same layout rules as `forward`. Uses
   * ifft(X) = swap(fft(swap(X)))/n, swap exchanging real and imaginary parts.
   */
  inverse(src: Float64Array, dst: Float64Array, batch = 1, srcOffset = 0, dstOffset = 0): void {
    const len = 2 * this.n * batch;
    if (this.copy.length < len) this.copy = new Float64Array(len);
    const tmp = this.copy;
    if (srcOffset + len > src.length) {
      throw new SonoError('BAD_INPUT', `inverse FFT of ${batch} x ${this.n} points does not fit source of length ${src.length} at offset ${srcOffset}`);
    }
    for (let i = 0; i < len; i += 2) {
      tmp[i] = src[srcOffset + i + 1];
      tmp[i + 1] = src[srcOffset + i];
    }
    // Stages never read `copy` when the source is not the destination, so it can be the source here.
    this.forward(tmp, dst, batch, 0, dstOffset);
    const scale = 1 / this.n;
    for (let i = dstOffset; i < dstOffset + len; i += 2) {
      const re = dst[i + 1] * scale;
      dst[i + 1] = dst[i] * scale;
      dst[i] = re;
    }
  }
}

// Stage kernels. Input element (q, j + r·m) of the stage, q < s, is at complex index q + s·(j + r·m); the
// butterfly over r gives outputs k, multiplied by twiddle w^(j·k), stored at q + s·(radix·j + k).

function radix2(x: Float64Array, xo: number, y: Float64Array, yo: number, m: number, s: number, tw: Float64Array): void {
  const xStep = 2 * s * m;
  for (let j = 0; j < m; j++) {
    const wr = tw[2 * j];
    const wi = tw[2 * j + 1];
    let a = xo + 2 * s * j;
    let b = yo + 2 * s * 2 * j;
    const end = a + 2 * s;
    for (; a < end; a += 2, b += 2) {
      const a0r = x[a];
      const a0i = x[a + 1];
      const a1r = x[a + xStep];
      const a1i = x[a + xStep + 1];
      y[b] = a0r + a1r;
      y[b + 1] = a0i + a1i;
      const dr = a0r - a1r;
      const di = a0i - a1i;
      y[b + 2 * s] = dr * wr - di * wi;
      y[b + 2 * s + 1] = dr * wi + di * wr;
    }
  }
}

function radix4(x: Float64Array, xo: number, y: Float64Array, yo: number, m: number, s: number, tw: Float64Array): void {
  const xStep = 2 * s * m;
  const yStep = 2 * s;
  for (let j = 0; j < m; j++) {
    const t = 6 * j;
    const w1r = tw[t];
    const w1i = tw[t + 1];
    const w2r = tw[t + 2];
    const w2i = tw[t + 3];
    const w3r = tw[t + 4];
    const w3i = tw[t + 5];
    let a = xo + 2 * s * j;
    let b = yo + 2 * s * 4 * j;
    const end = a + 2 * s;
    for (; a < end; a += 2, b += 2) {
      const a0r = x[a];
      const a0i = x[a + 1];
      const a1r = x[a + xStep];
      const a1i = x[a + xStep + 1];
      const a2r = x[a + 2 * xStep];
      const a2i = x[a + 2 * xStep + 1];
      const a3r = x[a + 3 * xStep];
      const a3i = x[a + 3 * xStep + 1];
      const t0r = a0r + a2r;
      const t0i = a0i + a2i;
      const t1r = a0r - a2r;
      const t1i = a0i - a2i;
      const t2r = a1r + a3r;
      const t2i = a1i + a3i;
      const t3r = a1r - a3r;
      const t3i = a1i - a3i;
      y[b] = t0r + t2r;
      y[b + 1] = t0i + t2i;
      // y1 = t1 - i·t3, y2 = t0 - t2, y3 = t1 + i·t3, each times its twiddle.
      const y1r = t1r + t3i;
      const y1i = t1i - t3r;
      const y2r = t0r - t2r;
      const y2i = t0i - t2i;
      const y3r = t1r - t3i;
      const y3i = t1i + t3r;
      y[b + yStep] = y1r * w1r - y1i * w1i;
      y[b + yStep + 1] = y1r * w1i + y1i * w1r;
      y[b + 2 * yStep] = y2r * w2r - y2i * w2i;
      y[b + 2 * yStep + 1] = y2r * w2i + y2i * w2r;
      y[b + 3 * yStep] = y3r * w3r - y3i * w3i;
      y[b + 3 * yStep + 1] = y3r * w3i + y3i * w3r;
    }
  }
}

function radix3(x: Float64Array, xo: number, y: Float64Array, yo: number, m: number, s: number, tw: Float64Array): void {
  const xStep = 2 * s * m;
  const yStep = 2 * s;
  for (let j = 0; j < m; j++) {
    const t = 4 * j;
    const w1r = tw[t];
    const w1i = tw[t + 1];
    const w2r = tw[t + 2];
    const w2i = tw[t + 3];
    let a = xo + 2 * s * j;
    let b = yo + 2 * s * 3 * j;
    const end = a + 2 * s;
    for (; a < end; a += 2, b += 2) {
      const a0r = x[a];
      const a0i = x[a + 1];
      const a1r = x[a + xStep];
      const a1i = x[a + xStep + 1];
      const a2r = x[a + 2 * xStep];
      const a2i = x[a + 2 * xStep + 1];
      const sr = a1r + a2r;
      const si = a1i + a2i;
      const dr = a1r - a2r;
      const di = a1i - a2i;
      y[b] = a0r + sr;
      y[b + 1] = a0i + si;
      const mr = a0r + C3 * sr;
      const mi = a0i + C3 * si;
      // -i·(√3/2)·d
      const nr = S3 * di;
      const ni = -S3 * dr;
      const y1r = mr + nr;
      const y1i = mi + ni;
      const y2r = mr - nr;
      const y2i = mi - ni;
      y[b + yStep] = y1r * w1r - y1i * w1i;
      y[b + yStep + 1] = y1r * w1i + y1i * w1r;
      y[b + 2 * yStep] = y2r * w2r - y2i * w2i;
      y[b + 2 * yStep + 1] = y2r * w2i + y2i * w2r;
    }
  }
}

function radix5(x: Float64Array, xo: number, y: Float64Array, yo: number, m: number, s: number, tw: Float64Array): void {
  const xStep = 2 * s * m;
  const yStep = 2 * s;
  for (let j = 0; j < m; j++) {
    const t = 8 * j;
    const w1r = tw[t];
    const w1i = tw[t + 1];
    const w2r = tw[t + 2];
    const w2i = tw[t + 3];
    const w3r = tw[t + 4];
    const w3i = tw[t + 5];
    const w4r = tw[t + 6];
    const w4i = tw[t + 7];
    let a = xo + 2 * s * j;
    let b = yo + 2 * s * 5 * j;
    const end = a + 2 * s;
    for (; a < end; a += 2, b += 2) {
      const a0r = x[a];
      const a0i = x[a + 1];
      const a1r = x[a + xStep];
      const a1i = x[a + xStep + 1];
      const a2r = x[a + 2 * xStep];
      const a2i = x[a + 2 * xStep + 1];
      const a3r = x[a + 3 * xStep];
      const a3i = x[a + 3 * xStep + 1];
      const a4r = x[a + 4 * xStep];
      const a4i = x[a + 4 * xStep + 1];
      const b1r = a1r + a4r;
      const b1i = a1i + a4i;
      const b2r = a2r + a3r;
      const b2i = a2i + a3i;
      const d1r = a1r - a4r;
      const d1i = a1i - a4i;
      const d2r = a2r - a3r;
      const d2i = a2i - a3i;
      y[b] = a0r + b1r + b2r;
      y[b + 1] = a0i + b1i + b2i;
      // Outputs 1 and 4 share a real part and flip the sign of an imaginary term; so do 2 and 3.
      const p1r = a0r + C51 * b1r + C52 * b2r;
      const p1i = a0i + C51 * b1i + C52 * b2i;
      const p2r = a0r + C52 * b1r + C51 * b2r;
      const p2i = a0i + C52 * b1i + C51 * b2i;
      // q1 = s1·d1 + s2·d2, q2 = s2·d1 - s1·d2; y1 = p1 - i·q1, y2 = p2 - i·q2.
      const q1r = S51 * d1r + S52 * d2r;
      const q1i = S51 * d1i + S52 * d2i;
      const q2r = S52 * d1r - S51 * d2r;
      const q2i = S52 * d1i - S51 * d2i;
      const y1r = p1r + q1i;
      const y1i = p1i - q1r;
      const y4r = p1r - q1i;
      const y4i = p1i + q1r;
      const y2r = p2r + q2i;
      const y2i = p2i - q2r;
      const y3r = p2r - q2i;
      const y3i = p2i + q2r;
      y[b + yStep] = y1r * w1r - y1i * w1i;
      y[b + yStep + 1] = y1r * w1i + y1i * w1r;
      y[b + 2 * yStep] = y2r * w2r - y2i * w2i;
      y[b + 2 * yStep + 1] = y2r * w2i + y2i * w2r;
      y[b + 3 * yStep] = y3r * w3r - y3i * w3i;
      y[b + 3 * yStep + 1] = y3r * w3i + y3i * w3r;
      y[b + 4 * yStep] = y4r * w4r - y4i * w4i;
      y[b + 4 * yStep + 1] = y4r * w4i + y4i * w4r;
    }
  }
}

function radix8(x: Float64Array, xo: number, y: Float64Array, yo: number, m: number, s: number, tw: Float64Array): void {
  const xs = 2 * s * m;
  const ys = 2 * s;
  for (let j = 0; j < m; j++) {
    const t = 14 * j;
    let a = xo + 2 * s * j;
    let b = yo + 2 * s * 8 * j;
    const end = a + 2 * s;
    for (; a < end; a += 2, b += 2) {
      // Two 4-point DFTs, of the even and the odd inputs: E = DFT4(a0, a2, a4, a6), O = DFT4(a1, a3, a5, a7).
      let pr = x[a];
      let pi = x[a + 1];
      let qr = x[a + 4 * xs];
      let qi = x[a + 4 * xs + 1];
      const u0r = pr + qr;
      const u0i = pi + qi;
      const u1r = pr - qr;
      const u1i = pi - qi;
      pr = x[a + 2 * xs];
      pi = x[a + 2 * xs + 1];
      qr = x[a + 6 * xs];
      qi = x[a + 6 * xs + 1];
      const u2r = pr + qr;
      const u2i = pi + qi;
      const u3r = pr - qr;
      const u3i = pi - qi;
      const e0r = u0r + u2r;
      const e0i = u0i + u2i;
      const e2r = u0r - u2r;
      const e2i = u0i - u2i;
      const e1r = u1r + u3i;
      const e1i = u1i - u3r;
      const e3r = u1r - u3i;
      const e3i = u1i + u3r;
      pr = x[a + xs];
      pi = x[a + xs + 1];
      qr = x[a + 5 * xs];
      qi = x[a + 5 * xs + 1];
      const v0r = pr + qr;
      const v0i = pi + qi;
      const v1r = pr - qr;
      const v1i = pi - qi;
      pr = x[a + 3 * xs];
      pi = x[a + 3 * xs + 1];
      qr = x[a + 7 * xs];
      qi = x[a + 7 * xs + 1];
      const v2r = pr + qr;
      const v2i = pi + qi;
      const v3r = pr - qr;
      const v3i = pi - qi;
      const o0r = v0r + v2r;
      const o0i = v0i + v2i;
      const o2r = v0r - v2r;
      const o2i = v0i - v2i;
      const o1r = v1r + v3i;
      const o1i = v1i - v3r;
      const o3r = v1r - v3i;
      const o3i = v1i + v3r;
      // y_k = E_k + ω8^k·O_k, y_(k+4) = E_k - ω8^k·O_k, with ω8 = (1 - i)/√2.
      const r1r = SQRT1_2 * (o1r + o1i);
      const r1i = SQRT1_2 * (o1i - o1r);
      const r2r = o2i;
      const r2i = -o2r;
      const r3r = SQRT1_2 * (o3i - o3r);
      const r3i = -SQRT1_2 * (o3r + o3i);
      y[b] = e0r + o0r;
      y[b + 1] = e0i + o0i;
      let zr = e0r - o0r;
      let zi = e0i - o0i;
      let wr = tw[t + 6];
      let wi = tw[t + 7];
      y[b + 4 * ys] = zr * wr - zi * wi;
      y[b + 4 * ys + 1] = zr * wi + zi * wr;
      zr = e1r + r1r;
      zi = e1i + r1i;
      wr = tw[t];
      wi = tw[t + 1];
      y[b + ys] = zr * wr - zi * wi;
      y[b + ys + 1] = zr * wi + zi * wr;
      zr = e1r - r1r;
      zi = e1i - r1i;
      wr = tw[t + 8];
      wi = tw[t + 9];
      y[b + 5 * ys] = zr * wr - zi * wi;
      y[b + 5 * ys + 1] = zr * wi + zi * wr;
      zr = e2r + r2r;
      zi = e2i + r2i;
      wr = tw[t + 2];
      wi = tw[t + 3];
      y[b + 2 * ys] = zr * wr - zi * wi;
      y[b + 2 * ys + 1] = zr * wi + zi * wr;
      zr = e2r - r2r;
      zi = e2i - r2i;
      wr = tw[t + 10];
      wi = tw[t + 11];
      y[b + 6 * ys] = zr * wr - zi * wi;
      y[b + 6 * ys + 1] = zr * wi + zi * wr;
      zr = e3r + r3r;
      zi = e3i + r3i;
      wr = tw[t + 4];
      wi = tw[t + 5];
      y[b + 3 * ys] = zr * wr - zi * wi;
      y[b + 3 * ys + 1] = zr * wi + zi * wr;
      zr = e3r - r3r;
      zi = e3i - r3i;
      wr = tw[t + 12];
      wi = tw[t + 13];
      y[b + 7 * ys] = zr * wr - zi * wi;
      y[b + 7 * ys + 1] = zr * wi + zi * wr;
    }
  }
}
