import { describe, expect, it } from 'vitest';
import { dice, FAILURE_DICE, iou, isLocalizationFailure } from './box.js';

describe('dice and iou of boxes', () => {
  const a = { x: 10, y: 20, w: 10, h: 10 };

  it('are 1 for identical boxes', () => {
    expect(dice(a, { ...a })).toBe(1);
    expect(iou(a, { ...a })).toBe(1);
  });

  it('are 0 for disjoint and for merely touching boxes', () => {
    expect(dice(a, { x: 50, y: 50, w: 5, h: 5 })).toBe(0);
    expect(iou(a, { x: 50, y: 50, w: 5, h: 5 })).toBe(0);
    // Sharing an edge is zero area, and overlapping in x only is not an overlap.
    expect(dice(a, { x: 20, y: 20, w: 10, h: 10 })).toBe(0);
    expect(dice(a, { x: 12, y: 40, w: 10, h: 10 })).toBe(0);
  });

  it('handle a box nested in another', () => {
    const inner = { x: 12, y: 22, w: 5, h: 5 }; // area 25 inside area 100
    expect(dice(a, inner)).toBeCloseTo((2 * 25) / 125, 15); // 0.4
    expect(iou(a, inner)).toBeCloseTo(25 / 100, 15);
    expect(dice(inner, a)).toBe(dice(a, inner));
  });

  it('handle boxes overlapping by half', () => {
    const shifted = { x: 15, y: 20, w: 10, h: 10 }; // overlap 5x10 = 50
    expect(dice(a, shifted)).toBeCloseTo(100 / 200, 15); // 0.5
    expect(iou(a, shifted)).toBeCloseTo(50 / 150, 15); // 1/3
    // Diagonal shift: overlap 5x5 = 25, Dice 50/200, IoU 25/175.
    const diag = { x: 15, y: 25, w: 10, h: 10 };
    expect(dice(a, diag)).toBeCloseTo(0.25, 15);
    expect(iou(a, diag)).toBeCloseTo(1 / 7, 15);
  });

  it('work with fractional coordinates and different sizes', () => {
    // Overlap [0.5, 2] x [0, 1] = 1.5; areas 2 and 3.
    expect(dice({ x: 0, y: 0, w: 2, h: 1 }, { x: 0.5, y: 0, w: 1.5, h: 2 })).toBeCloseTo(3 / 5, 15);
    expect(iou({ x: 0, y: 0, w: 2, h: 1 }, { x: 0.5, y: 0, w: 1.5, h: 2 })).toBeCloseTo(1.5 / 3.5, 15);
  });

  it('give Dice 0 against an empty prediction but reject two empty boxes and malformed ones', () => {
    expect(dice(a, { x: 12, y: 22, w: 0, h: 0 })).toBe(0);
    expect(() => dice({ x: 0, y: 0, w: 0, h: 3 }, { x: 0, y: 0, w: 0, h: 0 })).toThrow(/two empty boxes/);
    expect(() => iou({ x: 0, y: 0, w: 0, h: 0 }, { x: 1, y: 1, w: 0, h: 0 })).toThrow(/two empty boxes/);
    expect(() => dice(a, { x: 0, y: 0, w: -1, h: 3 })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => iou(a, { x: Number.NaN, y: 0, w: 1, h: 3 })).toThrow(/Box b/);
  });
});

describe('isLocalizationFailure', () => {
  it('uses Dice < 0.8: exactly 0.8 passes, just below fails', () => {
    expect(FAILURE_DICE).toBe(0.8);
    // A 10x10 box shifted by 2 px overlaps 8x10 = 80, Dice = 160/200 = 0.8 exactly.
    const d = dice({ x: 0, y: 0, w: 10, h: 10 }, { x: 2, y: 0, w: 10, h: 10 });
    expect(d).toBe(0.8);
    expect(isLocalizationFailure(d)).toBe(false);
    expect(isLocalizationFailure(0.7999)).toBe(true);
    expect(isLocalizationFailure(1)).toBe(false);
    expect(isLocalizationFailure(0)).toBe(true);
  });

  it('takes another threshold and rejects values outside [0, 1]', () => {
    expect(isLocalizationFailure(0.6, 0.5)).toBe(false);
    expect(isLocalizationFailure(0.6, 0.7)).toBe(true);
    expect(() => isLocalizationFailure(Number.NaN)).toThrow(/Dice must be/);
    expect(() => isLocalizationFailure(1.2)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => isLocalizationFailure(0.5, 2)).toThrow(/threshold/);
  });
});
