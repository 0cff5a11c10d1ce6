import { describe, expect, it } from 'vitest';
import { formatDuration, formatEstimate, histogram, methodLabel, table1Csv } from './run-format';

describe('run formatting', () => {
  it('writes durations with no more precision than an estimate has', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3900)).toBe('1 h 05 min');
  });

  it('writes estimates with their intervals', () => {
    expect(formatEstimate({ value: 0.8123, lo: 0.77, hi: 0.85 })).toBe('0.812 [0.770, 0.850]');
    expect(formatEstimate({ value: 0.125, lo: 0.061, hi: 0.237 }, true)).toBe('12.5% [6.1, 23.7]');
    expect(formatEstimate({ value: 0.5, lo: null, hi: null })).toBe('0.500');
    expect(formatEstimate(null)).toBe('—');
  });

  it('bins Dice values over [0, 1] with 1.0 in the last bin', () => {
    expect(histogram([0, 0.05, 0.1, 0.79, 0.8, 0.999, 1, NaN], 10)).toEqual([2, 1, 0, 0, 0, 0, 0, 1, 1, 2]);
  });

  it('quotes CSV cells that need it', () => {
    const csv = table1Csv([
      {
        runId: 'r,1',
        method: 'na',
        backbone: 'a "b"',
        level: 'na',
        status: 'done',
        createdAt: 't',
        scope: 'cv',
        n: 1,
        failures: 0,
        failureRate: null,
        accuracy: null,
        meanDice: null,
        meanIoU: null,
        patches: null,
        dice: [],
      },
    ]);
    expect(csv.split('\n')[1]).toBe('"r,1",na,"a ""b""",cv,done,t,1,0,,,,,,,,,,,');
    expect(methodLabel('fusion')).toBe('Haar+CNN fusion');
  });
});
