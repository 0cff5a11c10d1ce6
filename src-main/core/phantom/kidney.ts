/**
 * Kidney anatomy in a long-axis section.
 *
 * The shape lives in a normalised "shape space" where the outline is close to the
 * unit circle: a point (u, v) in kidney-local pixels maps to p = (u / a, v / b) with a
 * and b the half-length and half-thickness. From the outside in: a thin echogenic
 * capsule, a hypoechoic cortex, darker medullary pyramids whose bases face the cortex
 * and whose papillae point at a bright, lobulated central sinus that opens towards the
 * hilum notch. The shape (subject) and its placement in an image (pose) are separate
 * so several images can show the same kidney.
 */
import type { Rng } from './rng.js';

interface Harmonic {
  k: number;
  amp: number;
  phase: number;
}

export interface Pyramid {
  /** Centre direction in shape space (radians). */
  angle: number;
  /** Angular half-width of the base. */
  halfWidth: number;
}

/** Subject-specific anatomy, independent of image scale and pose. */
export interface KidneyShape {
  /** Thickness / length. */
  aspect: number;
  outline: Harmonic[];
  hilum: { angle: number; depth: number; width: number };
  sinus: { semiU: number; semiV: number; shiftV: number; outline: Harmonic[] };
  /** Cortex thickness as a fraction of the normalised radius. */
  cortex: number;
  pyramids: Pyramid[];
  /** Relative echogenicity (liver parenchyma = 1). */
  echo: { cortex: number; medulla: number; sinus: number; capsule: number; fat: number };
  /** Capsule thickness and perirenal fat rim as fractions of the kidney length. */
  capsuleFraction: number;
  fatFraction: number;
  /** Optional calculus in the sinus (shape-space position and radius). */
  stone: { u: number; v: number; r: number } | null;
}

export interface KidneyPose {
  cx: number;
  cy: number;
  /** Long-axis length in pixels, capsule included. */
  length: number;
  /** Rotation of the long axis from the image x axis (radians, y down). */
  angle: number;
  /** Mirror flags: which pole points where and on which side the hilum faces. */
  mirrorU: 1 | -1;
  mirrorV: 1 | -1;
}

export const KidneyRegion = {
  outside: 0,
  capsule: 1,
  cortex: 2,
  medulla: 3,
  sinus: 4,
  stone: 5,
} as const;
export type KidneyRegion = (typeof KidneyRegion)[keyof typeof KidneyRegion];

/** Wrap an angle into [-π, π). Loops instead of `%`: inputs are within a few turns, and fmod is slow per pixel. */
function wrapAngle(a: number): number {
  while (a >= Math.PI) a -= 2 * Math.PI;
  while (a < -Math.PI) a += 2 * Math.PI;
  return a;
}

function harmonics(rng: Rng, kMin: number, kMax: number, maxAmp: number): Harmonic[] {
  const out: Harmonic[] = [];
  for (let k = kMin; k <= kMax; k++) {
    out.push({ k, amp: rng.uniform(0, maxAmp) / (k - kMin + 1) ** 0.5, phase: rng.uniform(0, 2 * Math.PI) });
  }
  return out;
}

function sumHarmonics(h: Harmonic[], phi: number): number {
  let s = 0;
  for (const { k, amp, phase } of h) s += amp * Math.cos(k * phi + phase);
  return s;
}

export function sampleKidneyShape(rng: Rng): KidneyShape {
  const hilumAngle = Math.PI / 2 + rng.uniform(-0.3, 0.3);
  const hilumWidth = rng.uniform(0.28, 0.42);
  const count = rng.int(6, 9);
  const pyramids: Pyramid[] = [];
  const step = (2 * Math.PI) / count;
  const start = rng.uniform(0, step);
  for (let i = 0; i < count; i++) {
    const angle = start + i * step + rng.uniform(-0.15, 0.15) * step;
    // The hilum has no parenchyma in front of the sinus, hence no pyramid there.
    if (Math.abs(wrapAngle(angle - hilumAngle)) < hilumWidth * 1.3) continue;
    pyramids.push({ angle, halfWidth: step * rng.uniform(0.33, 0.43) });
  }
  const sinus = {
    semiU: rng.uniform(0.55, 0.68),
    semiV: rng.uniform(0.3, 0.42),
    shiftV: rng.uniform(0.04, 0.14),
    outline: harmonics(rng, 2, 6, 0.12),
  };
  const stone = rng.chance(0.12)
    ? { u: rng.uniform(-0.35, 0.35) * sinus.semiU, v: sinus.shiftV + rng.uniform(-0.3, 0.3) * sinus.semiV, r: rng.uniform(0.07, 0.12) }
    : null;
  return {
    aspect: rng.uniform(0.4, 0.55),
    outline: harmonics(rng, 2, 5, 0.035),
    hilum: { angle: hilumAngle, depth: rng.uniform(0.06, 0.14), width: hilumWidth },
    sinus,
    cortex: rng.uniform(0.17, 0.24),
    pyramids,
    echo: {
      cortex: rng.uniform(0.5, 0.8),
      medulla: rng.uniform(0.14, 0.26),
      sinus: rng.uniform(2.4, 3.4),
      capsule: rng.uniform(1.8, 2.4),
      fat: rng.uniform(1.6, 2.3),
    },
    capsuleFraction: rng.uniform(0.012, 0.018),
    fatFraction: rng.uniform(0.04, 0.09),
    stone,
  };
}

/** Outline radius in shape space along direction phi: near 1, dented at the hilum. */
export function outlineRadius(shape: KidneyShape, phi: number): number {
  const d = wrapAngle(phi - shape.hilum.angle) / shape.hilum.width;
  return 1 + sumHarmonics(shape.outline, phi) - shape.hilum.depth * Math.exp(-0.5 * d * d);
}

/** What lies at one point of a placed kidney. */
export interface KidneySample {
  region: KidneyRegion;
  /** Approximate signed distance to the outer outline in pixels (negative inside). */
  distance: number;
  /** Unit outward normal of the outline nearest the point, image frame. */
  nx: number;
  ny: number;
}

const TABLE = 1024;

/** Tabulate a 2π-periodic function so per-pixel evaluation costs one interpolation, not several cosines. */
function tabulate(f: (phi: number) => number): Float32Array {
  const t = new Float32Array(TABLE + 1);
  for (let i = 0; i <= TABLE; i++) t[i] = f((2 * Math.PI * i) / TABLE - Math.PI);
  return t;
}

function lookup(t: Float32Array, phi: number): number {
  const f = ((phi + Math.PI) / (2 * Math.PI)) * TABLE;
  const i = Math.min(TABLE - 1, Math.max(0, Math.floor(f)));
  const w = f - i;
  return t[i] + (t[i + 1] - t[i]) * w;
}

/** A kidney shape at a pose, with the per-image constants precomputed. */
export class PlacedKidney {
  readonly a: number;
  readonly b: number;
  readonly capsulePx: number;
  readonly fatPx: number;
  /** Radius around the centre outside which nothing of the kidney or its fat rim exists. */
  readonly reach: number;
  /** The same bound as a kidney-aligned box (half-extents along and across the long axis). */
  private readonly reachU: number;
  private readonly reachV: number;
  private readonly cos: number;
  private readonly sin: number;
  // Built on first use: pose fitting creates many candidates that are only outlined, never sampled.
  private radiusTable: Float32Array | null = null;
  private sinusTable: Float32Array | null = null;

  constructor(
    readonly shape: KidneyShape,
    readonly pose: KidneyPose,
  ) {
    this.capsulePx = Math.max(1.6, shape.capsuleFraction * pose.length);
    this.fatPx = shape.fatFraction * pose.length;
    // `length` includes the capsule, so the outline's own half-length is shorter by its outer half.
    this.a = pose.length / 2 - this.capsulePx / 2;
    this.b = this.a * shape.aspect;
    this.cos = Math.cos(pose.angle);
    this.sin = Math.sin(pose.angle);
    const maxR = 1 + shape.outline.reduce((sum, h) => sum + Math.abs(h.amp), 0);
    const margin = this.capsulePx + this.fatPx * 1.9 + 2;
    this.reach = this.a * maxR + margin;
    this.reachU = this.reach;
    this.reachV = this.b * maxR + margin;
  }

  private toImage(u: number, v: number): { x: number; y: number } {
    const lu = u * this.pose.mirrorU;
    const lv = v * this.pose.mirrorV;
    return { x: this.pose.cx + lu * this.cos - lv * this.sin, y: this.pose.cy + lu * this.sin + lv * this.cos };
  }

  /**
   * Classify an image point into `out`. Returns false, leaving `out` untouched, when the
   * point is beyond the reach of the kidney and its fat rim (fast reject for most of the image).
   */
  sampleInto(x: number, y: number, out: KidneySample): boolean {
    const dx = x - this.pose.cx;
    const dy = y - this.pose.cy;
    if (dx * dx + dy * dy > this.reach * this.reach) return false;
    const u = (dx * this.cos + dy * this.sin) * this.pose.mirrorU;
    const v = (-dx * this.sin + dy * this.cos) * this.pose.mirrorV;
    if (v > this.reachV || v < -this.reachV || u > this.reachU || u < -this.reachU) return false;
    const { a, b } = this;
    const radiusTable = (this.radiusTable ??= tabulate((phi) => outlineRadius(this.shape, phi)));
    const pu = u / a;
    const pv = v / b;
    const r = Math.sqrt(pu * pu + pv * pv);
    const phi = Math.atan2(pv, pu);
    const c = r > 0 ? pu / r : 1;
    const s = r > 0 ? pv / r : 0;
    const R = lookup(radiusTable, phi);
    // Normal distance to an ellipse-like level set ≈ radial shape-space gap / |grad|.
    const grad = Math.sqrt((c * c) / (a * a) + (s * s) / (b * b));
    out.distance = (r - R) / grad;
    // Outline normal in local pixels is along (cos/a, sin/b); undo mirror and rotation.
    const nu = ((c / a) * this.pose.mirrorU) / grad;
    const nv = ((s / b) * this.pose.mirrorV) / grad;
    out.nx = nu * this.cos - nv * this.sin;
    out.ny = nu * this.sin + nv * this.cos;
    const half = this.capsulePx / 2;
    if (out.distance > half) out.region = KidneyRegion.outside;
    else if (out.distance >= -half) out.region = KidneyRegion.capsule;
    else out.region = this.interior(pu, pv, r, phi, c, s, R);
    return true;
  }

  /** Convenience form of sampleInto; null beyond reach. */
  sample(x: number, y: number): KidneySample | null {
    const out: KidneySample = { region: KidneyRegion.outside, distance: 0, nx: 0, ny: 0 };
    return this.sampleInto(x, y, out) ? out : null;
  }

  private interior(pu: number, pv: number, r: number, phi: number, c: number, s: number, R: number): KidneyRegion {
    const { shape } = this;
    const st = shape.stone;
    if (st) {
      const du = pu - st.u;
      const dv = (pv - st.v) * shape.aspect; // round in pixels, not in shape space
      if (du * du + dv * dv < st.r * st.r) return KidneyRegion.stone;
    }
    const { semiU, semiV, shiftV } = shape.sinus;
    const su = pu / semiU;
    const sv = (pv - shiftV) / semiV;
    const sinusTable = (this.sinusTable ??= tabulate((psi) => 1 + sumHarmonics(shape.sinus.outline, psi)));
    const q = Math.sqrt(su * su + sv * sv) / lookup(sinusTable, Math.atan2(sv, su));
    if (q < 1) return KidneyRegion.sinus;
    const dh = wrapAngle(phi - shape.hilum.angle);
    // Sinus fat reaches the surface through the hilum.
    if (Math.abs(dh) < shape.hilum.width * 0.45 * (1 - 0.5 * Math.min(1, q - 1))) return KidneyRegion.sinus;
    // Radial extent of the medulla along this ray: from just outside the sinus to the cortex.
    const sinusEdge = 1 / Math.sqrt((c / semiU) ** 2 + (s / semiV) ** 2) + shiftV * Math.max(0, s);
    const inner = sinusEdge + 0.02;
    const outer = R * (1 - shape.cortex);
    if (outer <= inner) return KidneyRegion.cortex;
    const t = (r - inner) / (outer - inner);
    if (t < -0.1 || t > 1) return KidneyRegion.cortex;
    for (const p of shape.pyramids) {
      const d = Math.abs(wrapAngle(phi - p.angle)) / p.halfWidth;
      // Papilla (narrow) toward the sinus, convex base toward the cortex.
      if (d < 0.3 + 0.7 * Math.max(0, t) && t < 1 - 0.3 * d * d) return KidneyRegion.medulla;
    }
    return KidneyRegion.cortex;
  }

  /** Image position of the stone's centre, if the kidney has one. */
  stoneCentre(): { x: number; y: number } | null {
    const st = this.shape.stone;
    return st ? this.toImage(st.u * this.a, st.v * this.b) : null;
  }

  /** Points on the outer edge of the capsule, image frame (used to fit the kidney in view). */
  outline(n: number): Array<{ x: number; y: number }> {
    const pts: Array<{ x: number; y: number }> = [];
    for (let i = 0; i < n; i++) {
      const phi = (2 * Math.PI * i) / n;
      const R = outlineRadius(this.shape, phi);
      const c = Math.cos(phi);
      const s = Math.sin(phi);
      const grad = Math.sqrt((c * c) / (this.a * this.a) + (s * s) / (this.b * this.b));
      const out = this.capsulePx / 2;
      const u = R * this.a * c + (out * (c / this.a)) / grad;
      const v = R * this.b * s + (out * (s / this.b)) / grad;
      pts.push(this.toImage(u, v));
    }
    return pts;
  }
}
