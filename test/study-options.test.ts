/** How `sonotl study` builds its configuration from the defaults, --quick, --config and --methods. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStudyConfig, parseMethods } from '../src-main/cli/commands/study.js';
import { DEFAULT_CONFIG, QUICK_OVERRIDES } from '../src-main/core/study/config.js';
import { table1Text } from '../src-main/core/study/report-tables.js';
import type { Table1Row } from '../src-main/core/study/summary.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-study-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('study options', () => {
  it('lays --quick over the defaults, the config file over --quick, and --methods over both', () => {
    expect(loadStudyConfig({})).toEqual(DEFAULT_CONFIG);
    const quick = loadStudyConfig({ quick: true });
    expect(quick.folds).toBe(QUICK_OVERRIDES.folds);
    expect(quick.gbm.maxIter).toBe(QUICK_OVERRIDES.gbm.maxIter);
    expect(quick.gbm.learningRate).toBe(DEFAULT_CONFIG.gbm.learningRate);
    const file = join(work, 'study.json');
    writeFileSync(file, JSON.stringify({ folds: 4, methods: ['haar', 'na'], gbm: { learningRate: 0.2 } }));
    const both = loadStudyConfig({ quick: true, config: file, methods: ['fusion'] });
    expect(both.folds).toBe(4);
    expect(both.gbm).toMatchObject({ maxIter: QUICK_OVERRIDES.gbm.maxIter, learningRate: 0.2 });
    expect(both.methods).toEqual(['fusion']);
    expect(loadStudyConfig({ config: file }).methods).toEqual(['haar', 'na']);
  });

  it('names the config file and the field it refuses', () => {
    const file = join(work, 'bad.json');
    writeFileSync(file, JSON.stringify({ windows: { stride: 0.2, scale: 3 } }));
    expect(() => loadStudyConfig({ config: file })).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}: windows: .*"scale"`));
    writeFileSync(file, JSON.stringify({ split: 'random' }));
    expect(() => loadStudyConfig({ config: file })).toThrow(/bad\.json: split: /);
  });

  it('parses --methods: known names, in order, without repeats', () => {
    expect(parseMethods('haar, na,haar,fusion')).toEqual(['haar', 'na', 'fusion']);
    expect(() => parseMethods('haar,vgg16')).toThrow(/unknown method "vgg16" \(known: haar, na, /);
    expect(() => parseMethods(' , ')).toThrow(/at least one method/);
  });

  it('prints Table 1 as aligned text, with a dash for an accuracy that could not be computed', () => {
    const row = (method: Table1Row['method'], failures: number, accuracy: number): Table1Row => ({
      method, backbone: null, set: 'cv', n: 20, failures, failureRate: failures / 20, failureRateCI: [0.01, 0.3],
      successRate: 1 - failures / 20, successRateCI: [0.7, 0.99], accuracy, accuracyCI: [0.8, 0.95], patches: 100,
      meanDice: 0.81234, meanDiceCI: [0.75, 0.86], meanIoU: 0.7, meanCoarseDice: 0.78,
    });
    const lines = table1Text([row('haar', 2, 0.9), row('fusion-score', 11, NaN)]).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^haar\s+cv\s+20\s+2\s+10\.0% \(1\.0%-30\.0%\)\s+90\.0% \(80\.0%-95\.0%\)\s+0\.812 \(0\.750-0\.860\)$/);
    expect(lines[2]).toMatch(/^fusion-score\s+cv\s+20\s+11\s+55\.0% \(1\.0%-30\.0%\)\s+-\s+0\.812/);
    // Columns line up: every line has the mean-Dice column ending at the same place.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    // With extra backbones the same method has a line per backbone, told apart by a backbone column.
    const two = table1Text([row('haar', 2, 0.9), { ...row('na', 1, 0.9), backbone: 'net-a' }, { ...row('na', 3, 0.8), backbone: 'net-b' }]).trimEnd().split('\n');
    expect(two[0]).toMatch(/^method\s+backbone\s+set\s+n\s/);
    expect(two.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['haar - cv', 'na net-a cv', 'na net-b cv']);
    expect(new Set(two.map((l) => l.length)).size).toBe(1);
  });
});
