/**
 * Structures that are not kidneys but share some of their cues: vessels (dark tubes
 * with bright walls), simple cysts (round, anechoic, with posterior enhancement), the
 * liver's inferior boundary (a long bright curve) and ribs (bright arcs with a full
 * acoustic shadow). A detector trained on the phantom has to tell these apart.
 */
import type { FieldOfView } from './geometry.js';
import type { PlacedKidney } from './kidney.js';
import type { Rng } from './rng.js';

export interface Point {
  x: number;
  y: number;
}

/** A vessel: a tube of constant radius along a polyline (a single point is a cross-section). */
export interface Tube {
  points: Point[];
  /** Per-segment bounding boxes padded by the radius, [minX, maxX, minY, maxY] each. */
  segmentBoxes: Float64Array;
  radius: number;
  /** Wall echo strength; portal veins have brighter walls than hepatic veins. */
  wall: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

export interface Cyst {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  cos: number;
  sin: number;
}

/** A rib cross-section: an ellipse whose axes follow the beam through its centre. */
export interface Rib {
  cx: number;
  cy: number;
  /** Semi-axes across and along the beam. */
  across: number;
  along: number;
  /** Beam direction at the rib. */
  dx: number;
  dy: number;
  /** Beam index through the rib centre. */
  b: number;
}

/**
 * Liver boundary as the zero set of f(p) = n·(p - P) - k (t·(p - P))^2: a curve through P
 * that bends around the kidney below it. f < 0 is liver.
 */
export interface LiverBoundary {
  px: number;
  py: number;
  nx: number;
  ny: number;
  curvature: number;
}

/** What distractor placement needs to know about the image. */
export interface Placement {
  fov: FieldOfView;
  kidney: PlacedKidney;
  /** Size unit in pixels (see Scene.unitPx). */
  unitPx: number;
  /** Depth fraction where the body wall ends. */
  wallEnd: number;
}

function randomPointInView(rng: Rng, ctx: Placement, sMin: number, sMax: number, bMargin = 0.08): Point {
  const b = rng.uniform(bMargin, 1 - bMargin) * (ctx.fov.beams - 1);
  const lo = Math.max(sMin, ctx.wallEnd + 0.05);
  const s = rng.uniform(lo, Math.max(lo, sMax)) * (ctx.fov.samples - 1);
  return ctx.fov.toImage(b, s);
}

/** True when p is not in the body wall: below it inside the view, or off to the side or below. */
function belowWall(ctx: Placement, p: Point, clearance: number): boolean {
  const g = ctx.fov.toBeam(p.x, p.y);
  if (!g) return p.y > ctx.fov.height * 0.35;
  return g.s * ctx.fov.pxPerSample >= ctx.wallEnd * (ctx.fov.samples - 1) * ctx.fov.pxPerSample + clearance;
}

function clearOfKidney(kidney: PlacedKidney, p: Point, clearance: number): boolean {
  return Math.hypot(p.x - kidney.pose.cx, p.y - kidney.pose.cy) > kidney.reach + clearance;
}

function makeTube(points: Point[], radius: number, wall: number): Tube {
  const pad = radius + 2;
  const segmentBoxes = new Float64Array(Math.max(0, points.length - 1) * 4);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    segmentBoxes.set([Math.min(a.x, b.x) - pad, Math.max(a.x, b.x) + pad, Math.min(a.y, b.y) - pad, Math.max(a.y, b.y) + pad], i * 4);
  }
  return {
    points,
    segmentBoxes,
    radius,
    wall,
    minX: Math.min(...points.map((p) => p.x)) - pad,
    maxX: Math.max(...points.map((p) => p.x)) + pad,
    minY: Math.min(...points.map((p) => p.y)) - pad,
    maxY: Math.max(...points.map((p) => p.y)) + pad,
  };
}

export interface RadialSample {
  /** Distance from the axis (tube, pixels) or normalised elliptic radius (cyst, 1 on the wall). */
  d: number;
  /** Unit outward normal. */
  nx: number;
  ny: number;
}

/**
 * Distance from (x, y) to the tube axis and the unit vector from the axis to the point,
 * written to `out`; false (and `out` untouched) when clearly outside the tube.
 */
export function tubeDistance(t: Tube, x: number, y: number, out: RadialSample): boolean {
  if (x < t.minX || x > t.maxX || y < t.minY || y > t.maxY) return false;
  let best = Infinity;
  let bx = 0;
  let by = 0;
  const pts = t.points;
  if (pts.length === 1) {
    bx = pts[0].x;
    by = pts[0].y;
    best = Math.sqrt((x - bx) * (x - bx) + (y - by) * (y - by));
  }
  const boxes = t.segmentBoxes;
  for (let i = 0; i + 1 < pts.length; i++) {
    const o = i * 4;
    // Segments whose padded box misses the point cannot be within radius + 2 of it.
    if (x < boxes[o] || x > boxes[o + 1] || y < boxes[o + 2] || y > boxes[o + 3]) continue;
    const a = pts[i];
    const b = pts[i + 1];
    const ex = b.x - a.x;
    const ey = b.y - a.y;
    const len2 = ex * ex + ey * ey;
    const t01 = len2 > 0 ? Math.max(0, Math.min(1, ((x - a.x) * ex + (y - a.y) * ey) / len2)) : 0;
    const cx = a.x + t01 * ex;
    const cy = a.y + t01 * ey;
    const d = Math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
    if (d < best) {
      best = d;
      bx = cx;
      by = cy;
    }
  }
  const inv = best > 1e-9 ? 1 / best : 0;
  out.d = best;
  out.nx = (x - bx) * inv;
  out.ny = (y - by) * inv;
  return true;
}

/** Normalised elliptic radius (1 on the cyst wall) and the outward normal there, into `out`. */
export function cystRadius(c: Cyst, x: number, y: number, out: RadialSample): void {
  const dx = x - c.cx;
  const dy = y - c.cy;
  const far = c.rx + c.ry;
  if (dx > far || dx < -far || dy > far || dy < -far) {
    out.d = Infinity; // far outside: skip the exact computation
    return;
  }
  const u = (dx * c.cos + dy * c.sin) / c.rx;
  const v = (-dx * c.sin + dy * c.cos) / c.ry;
  const r = Math.sqrt(u * u + v * v);
  const gu = u / c.rx;
  const gv = v / c.ry;
  const g = Math.sqrt(gu * gu + gv * gv) || 1;
  out.d = r;
  out.nx = (gu * c.cos - gv * c.sin) / g;
  out.ny = (gu * c.sin + gv * c.cos) / g;
}

/** Position within a rib: `along` < 0 is the side facing the probe. Null when outside. */
export function ribCoordinates(r: Rib, x: number, y: number): { across: number; along: number } | null {
  const dx = x - r.cx;
  const dy = y - r.cy;
  const along = (dx * r.dx + dy * r.dy) / r.along;
  const across = (dx * r.dy - dy * r.dx) / r.across;
  if (along * along + across * across > 1) return null;
  return { across, along };
}

/** Signed offset from the liver boundary in pixels (approximately): negative on the liver side. */
export function liverSide(l: LiverBoundary, x: number, y: number): number {
  const dx = x - l.px;
  const dy = y - l.py;
  const n = dx * l.nx + dy * l.ny;
  const t = -dx * l.ny + dy * l.nx;
  return n - l.curvature * t * t;
}

export function sampleLiverBoundary(rng: Rng, kidney: PlacedKidney): LiverBoundary {
  const tilt = rng.uniform(-0.5, 0.5);
  const nx = Math.sin(tilt);
  const ny = Math.cos(tilt);
  const gap = kidney.b * 1.05 + kidney.fatPx + rng.uniform(2, 14);
  return {
    px: kidney.pose.cx - nx * gap,
    py: kidney.pose.cy - ny * gap,
    nx,
    ny,
    // Gentle enough that the boundary never turns vertical inside the image.
    curvature: 1 / (2 * Math.max(kidney.pose.length * 2, 300) * rng.uniform(1, 2.5)),
  };
}

export function sampleVessels(rng: Rng, ctx: Placement): Tube[] {
  const { fov, kidney, unitPx } = ctx;
  const tubes: Tube[] = [];
  // A long vessel running obliquely through the deep field (IVC / hepatic vein in section plane).
  if (rng.chance(0.7)) {
    const radius = unitPx * rng.uniform(0.3, 0.65);
    for (let attempt = 0; attempt < 20; attempt++) {
      const mid = randomPointInView(rng, ctx, 0.3, 0.9);
      const dir = rng.uniform(-0.5, 0.5);
      const half = fov.width * rng.uniform(0.35, 0.6);
      const bend = rng.uniform(-0.35, 0.35) * half;
      const ex = Math.cos(dir);
      const ey = Math.sin(dir);
      // A gently bowed course sampled finely enough that the polyline reads as a smooth curve.
      const pts: Point[] = [];
      for (let j = 0; j <= 16; j++) {
        const t = j / 8 - 1;
        pts.push({ x: mid.x + ex * half * t - ey * bend * (1 - t * t), y: mid.y + ey * half * t + ex * bend * (1 - t * t) });
      }
      if (pts.every((p) => clearOfKidney(kidney, p, radius + 3) && belowWall(ctx, p, radius + 3))) {
        tubes.push(makeTube(pts, radius, rng.uniform(0.3, 0.8)));
        break;
      }
    }
  }
  // Vessels crossing the section plane: small round or oval dark holes.
  const small = rng.int(0, 4);
  for (let i = 0; i < small; i++) {
    const radius = unitPx * rng.uniform(0.12, 0.35);
    for (let attempt = 0; attempt < 10; attempt++) {
      const c = randomPointInView(rng, ctx, 0.2, 0.85);
      if (!clearOfKidney(kidney, c, radius + 2) || !belowWall(ctx, c, radius * 2.5 + 2)) continue;
      const elong = rng.uniform(0, 1.5) * radius;
      const a = rng.uniform(0, Math.PI);
      const pts = elong > 0.5 ? [
        { x: c.x - Math.cos(a) * elong, y: c.y - Math.sin(a) * elong },
        { x: c.x + Math.cos(a) * elong, y: c.y + Math.sin(a) * elong },
      ] : [c];
      tubes.push(makeTube(pts, radius, rng.uniform(0.4, 1.2)));
      break;
    }
  }
  return tubes;
}

export function sampleCysts(rng: Rng, ctx: Placement): Cyst[] {
  const { kidney, unitPx } = ctx;
  const cysts: Cyst[] = [];
  const n = rng.chance(0.55) ? rng.int(1, 2) : 0;
  for (let i = 0; i < n; i++) {
    const r = unitPx * rng.uniform(0.5, 1.4);
    for (let attempt = 0; attempt < 20; attempt++) {
      const c = randomPointInView(rng, ctx, 0.25, 0.85, 0.15);
      if (!clearOfKidney(kidney, c, r * 1.3 + 2) || !belowWall(ctx, c, r * 1.3 + 2)) continue;
      if (cysts.some((o) => Math.hypot(o.cx - c.x, o.cy - c.y) < o.rx + r * 1.3 + 4)) continue;
      const angle = rng.uniform(0, Math.PI);
      cysts.push({ cx: c.x, cy: c.y, rx: r * rng.uniform(1, 1.3), ry: r, cos: Math.cos(angle), sin: Math.sin(angle) });
      break;
    }
  }
  return cysts;
}

/**
 * Zero to two ribs at the bottom of the body wall. Intercostal windows often show the
 * kidney between two rib shadows; a shadow may hide a pole but is kept off the kidney's
 * middle so the organ stays recognisable.
 */
export function sampleRibs(rng: Rng, ctx: Placement): Rib[] {
  const { fov, unitPx, kidney } = ctx;
  // Renal windows with a curvilinear probe are often intercostal; linear views rarely are.
  const probability = fov.kind === 'sector' ? 0.45 : 0.1;
  if (!rng.chance(probability)) return [];
  const count = rng.chance(0.35) ? 2 : 1;
  const across = unitPx * rng.uniform(0.6, 0.9);
  const along = unitPx * rng.uniform(0.35, 0.5);
  const depthPx = (fov.samples - 1) * fov.pxPerSample;
  const s = Math.min(0.45, ctx.wallEnd + (along + unitPx * rng.uniform(0, 0.4)) / depthPx) * (fov.samples - 1);
  const halfBeams = across / fov.beamSpacingPx(s);
  // Beam coordinates of the kidney's middle third, which must stay out of the shadows.
  const { cx, cy, angle, length } = kidney.pose;
  const keep: number[] = [];
  for (const t of [-0.17, 0, 0.17]) {
    const g = fov.toBeam(cx + Math.cos(angle) * t * length, cy + Math.sin(angle) * t * length);
    if (g) keep.push(g.b);
  }
  const ribs: Rib[] = [];
  for (let attempt = 0; attempt < 30 && ribs.length < count; attempt++) {
    const b = rng.uniform(0.04, 0.96) * (fov.beams - 1);
    if (keep.some((k) => Math.abs(k - b) < halfBeams * 1.2)) continue;
    // Intercostal spaces are wider than ribs: at least two rib widths apart.
    if (ribs.some((r) => Math.abs(r.b - b) < halfBeams * 4)) continue;
    const c = fov.toImage(b, s);
    const d = fov.beamDirection(b);
    ribs.push({ cx: c.x, cy: c.y, across, along, dx: d.x, dy: d.y, b });
  }
  return ribs;
}
