/** Binary logistic loss on raw scores (log-odds), the loss of scikit-learn's binary classifier. */

const EPS = 2.220446049250313e-16;

/** Log-odds of the positive share, the raw score every model starts from. */
export function baselineLogOdds(y: Uint8Array): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const p = Math.min(Math.max(pos / y.length, EPS), 1 - EPS);
  return Math.log(p / (1 - p));
}

export function sigmoid(raw: number): number {
  // Two forms so that exp never overflows.
  if (raw >= 0) return 1 / (1 + Math.exp(-raw));
  const e = Math.exp(raw);
  return e / (1 + e);
}

/**
 * First and second derivatives of the loss in raw, interleaved as (g, h) pairs in `gh`:
 * g = p - y, h = p (1 - p) with p = sigmoid(raw).
 */
export function logisticGradients(raw: Float64Array, y: Uint8Array, gh: Float32Array): void {
  for (let i = 0, k = 0; i < raw.length; i++, k += 2) {
    const p = sigmoid(raw[i]);
    gh[k] = p - y[i];
    gh[k + 1] = p * (1 - p);
  }
}

/** Mean loss log(1 + e^raw) - y raw, evaluated without overflow. */
export function logLoss(raw: Float64Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    const softplus = r > 0 ? r + Math.log1p(Math.exp(-r)) : Math.log1p(Math.exp(r));
    sum += softplus - y[i] * r;
  }
  return sum / raw.length;
}
