/**
 * Probe field-of-view geometry: where each acquired echo sample lies in the image.
 *
 * Echoes are simulated on an acquisition grid (beam index b × depth sample s), as a
 * scanner does, and scan-converted to the Cartesian image afterwards. For a curvilinear
 * (sector) probe the beams fan out from a virtual apex above the image, so the speckle
 * grain widens with depth and shadows fall along radial lines; for a linear probe the
 * beams are parallel columns.
 */
import type { Rng } from './rng.js';

export type GeometryKind = 'sector' | 'linear';

export interface FieldOfView {
  readonly kind: GeometryKind;
  readonly width: number;
  readonly height: number;
  /** Number of beams (lateral acquisition lines). */
  readonly beams: number;
  /** Number of echo samples along each beam. */
  readonly samples: number;
  /** Image pixels per acquisition sample along the beam. */
  readonly pxPerSample: number;
  /** Imaging depth in cm covered by the samples (drives attenuation). */
  readonly depthCm: number;
  /** Image position (pixel units, pixel centres at i + 0.5) of fractional grid coordinates. */
  toImage(b: number, s: number): { x: number; y: number };
  /** Fractional grid coordinates of an image position, or null outside the field of view. */
  toBeam(x: number, y: number): { b: number; s: number } | null;
  /** Allocation-free toBeam for per-pixel loops: fills `out` and returns false outside. */
  toBeamInto(x: number, y: number, out: { b: number; s: number }): boolean;
  /** Unit propagation direction of beam b in image coordinates (y grows downward). */
  beamDirection(b: number): { x: number; y: number };
  /** Distance in pixels between neighbouring beams at depth sample s. */
  beamSpacingPx(s: number): number;
  /**
   * Grid coordinates of every pixel centre (row-major), with b = -1 outside the field of
   * view. One pass with the geometry inlined, for scan conversion and masks.
   */
  pixelGrid(): { b: Float32Array; s: Float32Array };
}

export interface SectorParams {
  width: number;
  height: number;
  /** Apex of the fan (virtual point source), above the top edge. */
  apexX: number;
  apexY: number;
  /** Radius of the probe face: the near edge of the fan. */
  probeRadius: number;
  /** Radial extent of the fan below the probe face, in pixels. */
  depthPx: number;
  halfAngle: number;
  beams: number;
  depthCm: number;
}

export interface LinearParams {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  depthPx: number;
  beams: number;
  depthCm: number;
}

// Odd least-squares polynomial for atan on [-1, 1] (max error 3e-7 rad, i.e. < 0.001 px at
// any radius used here). Scan conversion needs an angle per pixel, and Math.atan2 dominated it.
const ATAN_C = [0.99999562190455, -0.33315997332077, 0.19796849966290342, -0.1319574208616971, 0.0789968976089478, -0.03310268856678952, 0.006657435496267114];

function atanUnit(z: number): number {
  const z2 = z * z;
  const c = ATAN_C;
  return z * (c[0] + z2 * (c[1] + z2 * (c[2] + z2 * (c[3] + z2 * (c[4] + z2 * (c[5] + z2 * c[6]))))));
}

/** Angle of (dx, dy) from the +y axis, for dy > 0: atan(dx / dy). */
export function fanAngle(dx: number, dy: number): number {
  if (dx <= dy && dx >= -dy) return atanUnit(dx / dy);
  return (dx > 0 ? Math.PI / 2 : -Math.PI / 2) - atanUnit(dy / dx);
}

export function sectorFov(p: SectorParams): FieldOfView {
  const samples = Math.max(2, Math.round(p.depthPx));
  const dTheta = (2 * p.halfAngle) / (p.beams - 1);
  const dr = p.depthPx / (samples - 1);
  // The edge beams count as inside despite the tiny error of fanAngle.
  const edge = p.halfAngle + 1e-6;
  const toBeamInto = (x: number, y: number, out: { b: number; s: number }): boolean => {
    const dx = x - p.apexX;
    const dy = y - p.apexY;
    if (dy <= 0) return false;
    const r = Math.sqrt(dx * dx + dy * dy);
    if (r < p.probeRadius || r > p.probeRadius + p.depthPx) return false;
    const theta = fanAngle(dx, dy);
    if (Math.abs(theta) > edge) return false;
    out.b = Math.min(p.beams - 1, Math.max(0, (theta + p.halfAngle) / dTheta));
    out.s = (r - p.probeRadius) / dr;
    return true;
  };
  return {
    kind: 'sector',
    width: p.width,
    height: p.height,
    beams: p.beams,
    samples,
    pxPerSample: dr,
    depthCm: p.depthCm,
    toImage(b, s) {
      const theta = -p.halfAngle + b * dTheta;
      const r = p.probeRadius + s * dr;
      return { x: p.apexX + r * Math.sin(theta), y: p.apexY + r * Math.cos(theta) };
    },
    toBeam(x, y) {
      const out = { b: 0, s: 0 };
      return toBeamInto(x, y, out) ? out : null;
    },
    toBeamInto,
    beamDirection(b) {
      const theta = -p.halfAngle + b * dTheta;
      return { x: Math.sin(theta), y: Math.cos(theta) };
    },
    beamSpacingPx(s) {
      return (p.probeRadius + s * dr) * dTheta;
    },
    pixelGrid() {
      const bs = new Float32Array(p.width * p.height).fill(-1);
      const ss = new Float32Array(p.width * p.height);
      const outer = p.probeRadius + p.depthPx;
      for (let y = 0; y < p.height; y++) {
        const dy = y + 0.5 - p.apexY;
        if (dy <= 0) continue;
        for (let x = 0; x < p.width; x++) {
          const dx = x + 0.5 - p.apexX;
          const r = Math.sqrt(dx * dx + dy * dy);
          if (r < p.probeRadius || r > outer) continue;
          const theta = fanAngle(dx, dy);
          if (theta > edge || theta < -edge) continue;
          bs[y * p.width + x] = Math.min(p.beams - 1, Math.max(0, (theta + p.halfAngle) / dTheta));
          ss[y * p.width + x] = (r - p.probeRadius) / dr;
        }
      }
      return { b: bs, s: ss };
    },
  };
}

export function linearFov(p: LinearParams): FieldOfView {
  const samples = Math.max(2, Math.round(p.depthPx));
  const db = (p.right - p.left) / (p.beams - 1);
  const dy = p.depthPx / (samples - 1);
  const toBeamInto = (x: number, y: number, out: { b: number; s: number }): boolean => {
    if (x < p.left || x > p.right || y < p.top || y > p.top + p.depthPx) return false;
    out.b = (x - p.left) / db;
    out.s = (y - p.top) / dy;
    return true;
  };
  return {
    kind: 'linear',
    width: p.width,
    height: p.height,
    beams: p.beams,
    samples,
    pxPerSample: dy,
    depthCm: p.depthCm,
    toImage(b, s) {
      return { x: p.left + b * db, y: p.top + s * dy };
    },
    toBeam(x, y) {
      const out = { b: 0, s: 0 };
      return toBeamInto(x, y, out) ? out : null;
    },
    toBeamInto,
    beamDirection() {
      return { x: 0, y: 1 };
    },
    beamSpacingPx() {
      return db;
    },
    pixelGrid() {
      const bs = new Float32Array(p.width * p.height).fill(-1);
      const ss = new Float32Array(p.width * p.height);
      for (let y = 0; y < p.height; y++) {
        const cy = y + 0.5;
        if (cy < p.top || cy > p.top + p.depthPx) continue;
        for (let x = 0; x < p.width; x++) {
          const cx = x + 0.5;
          if (cx < p.left || cx > p.right) continue;
          bs[y * p.width + x] = (cx - p.left) / db;
          ss[y * p.width + x] = (cy - p.top) / dy;
        }
      }
      return { b: bs, s: ss };
    },
  };
}

/**
 * Draw a plausible field of view for an image of the given size.
 *
 * Sector: a convex abdominal probe (radius about a quarter to 45 % of the depth, 60-76°
 * opening, 12-18 cm depth) whose fan fills the image height; the opening is narrowed
 * when needed so the fan never leaves the image sideways. Linear: a rectangular window
 * with black side margins, 5-9 cm deep.
 */
export function sampleFov(rng: Rng, kind: GeometryKind, width: number, height: number): FieldOfView {
  const top = rng.uniform(1, 3);
  const bottom = rng.uniform(1, 4);
  const depthPx = height - top - bottom;
  if (kind === 'sector') {
    const probeRadius = depthPx * rng.uniform(0.25, 0.45);
    const outer = probeRadius + depthPx;
    const fitHalf = Math.asin(Math.min(1, (width / 2 - 2) / outer));
    const halfAngle = Math.min(rng.uniform(0.52, 0.66), fitHalf);
    const arc = 2 * halfAngle * outer;
    // About one beam per 2 px at the far edge: still under the lateral speckle size there,
    // while the near field, where the beams converge, is oversampled several times.
    const beams = Math.max(16, Math.round(arc / 2));
    return sectorFov({
      width,
      height,
      apexX: width / 2,
      apexY: top - probeRadius,
      probeRadius,
      depthPx,
      halfAngle,
      beams,
      depthCm: rng.uniform(12, 18),
    });
  }
  const margin = width * rng.uniform(0.04, 0.12);
  const left = margin;
  const right = width - margin;
  const beams = Math.max(16, Math.round((right - left) / 1.5));
  return linearFov({ width, height, left, right, top, depthPx, beams, depthCm: rng.uniform(5, 9) });
}

/** Image positions of every acquisition sample, laid out depth-major (index s * beams + b). */
export function acquisitionPositions(fov: FieldOfView): { xs: Float32Array; ys: Float32Array } {
  const n = fov.beams * fov.samples;
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  // Beams are straight lines: walk each from its start on the probe face.
  for (let b = 0; b < fov.beams; b++) {
    const o = fov.toImage(b, 0);
    const d = fov.beamDirection(b);
    for (let s = 0; s < fov.samples; s++) {
      const along = s * fov.pxPerSample;
      xs[s * fov.beams + b] = o.x + d.x * along;
      ys[s * fov.beams + b] = o.y + d.y * along;
    }
  }
  return { xs, ys };
}

/** Pixel-centre test against the field of view, as a row-major 0/1 mask. */
export function fovMask(fov: FieldOfView): Uint8Array {
  const { b } = fov.pixelGrid();
  const mask = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) if (b[i] >= 0) mask[i] = 1;
  return mask;
}

/**
 * Scan conversion: bilinear interpolation of a grid image (depth-major) onto the pixels.
 * Pixels outside the field of view are 0, the black surround of a real scanner display.
 */
export function scanConvert(fov: FieldOfView, grid: Float32Array): Uint8Array {
  const { beams, samples } = fov;
  const coords = fov.pixelGrid();
  const out = new Uint8Array(fov.width * fov.height);
  for (let p = 0; p < out.length; p++) {
    const gb = coords.b[p];
    if (gb < 0) continue;
    const b = Math.min(gb, beams - 1.000001);
    const s = Math.min(coords.s[p], samples - 1.000001);
    const b0 = Math.floor(b);
    const s0 = Math.floor(s);
    const tb = b - b0;
    const ts = s - s0;
    const i = s0 * beams + b0;
    const top = grid[i] + (grid[i + 1] - grid[i]) * tb;
    const bot = grid[i + beams] + (grid[i + beams + 1] - grid[i + beams]) * tb;
    const v = top + (bot - top) * ts;
    out[p] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}
