import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDicom, TS } from '../src-main/core/imaging/dicom-writer.test-util.js';
import { importInputs, type ImportReport } from '../src-main/core/import/run-import.js';
import { openProject, type Project } from '../src-main/core/project/open.js';
import { HC18 } from './helpers/paths.js';
import { snapshot } from './helpers/snapshot.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-bad-'));
let project: Project;
const good = ['000_HC.png', '001_HC.png', '002_HC.png'];

beforeAll(async () => {
  project = openProject(join(work, 'p'), { create: true });
  const seed = join(work, 'seed');
  mkdirSync(seed);
  for (const g of good) copyFileSync(join(HC18, 'images', g), join(seed, g));
  const r = await importInputs(project, [seed]);
  expect(r.imagesAdded).toBe(3);
});
afterAll(() => {
  project.close();
  rmSync(work, { recursive: true, force: true });
});

let caseNo = 0;
function caseDir(): string {
  const d = join(work, `case-${caseNo++}`);
  mkdirSync(d);
  return d;
}

/** Runs an import that must fail item by item, and checks that the project did not change at all. */
async function importUnchanged(inputs: string[], annotations?: { format: 'coco' | 'csv' | 'voc' | 'yolo'; path: string }): Promise<ImportReport> {
  const before = snapshot(project);
  const report = await importInputs(project, inputs, { annotations });
  expect(snapshot(project)).toEqual(before);
  expect(report.imagesAdded).toBe(0);
  expect(report.boxesAdded).toBe(0);
  return report;
}

function coco(images: unknown[], annotations: unknown[], categories: unknown[] = [{ id: 1, name: 'fetal-head' }]): string {
  return JSON.stringify({ images, annotations, categories });
}

describe('bad input is reported per file, and the project is unchanged', () => {
  it('a truncated PNG', async () => {
    const d = caseDir();
    const bytes = readFileSync(join(HC18, 'images', '010_HC.png'));
    writeFileSync(join(d, 'cut.png'), bytes.subarray(0, Math.floor(bytes.length / 3)));
    const r = await importUnchanged([join(d, 'cut.png')]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].file).toBe('cut.png');
    expect(r.issues[0].reason).toMatch(/cut\.png.*(truncated|corrupt)/i);
  });

  it('a file that is not an image', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'notes.png'), 'these are my notes, not a picture');
    const r = await importUnchanged([join(d, 'notes.png')]);
    expect(r.issues.map((i) => i.reason)).toEqual([expect.stringMatching(/notes\.png: not a PNG, JPEG or DICOM file/)]);
  });

  it('a DICOM file with an unsupported transfer syntax', async () => {
    const d = caseDir();
    const dcm = await buildDicom({ transferSyntax: TS.jpeg2000, rows: 8, columns: 8, encodedFrames: [Buffer.from([0xff, 0x4f, 0xff, 0x51, 0, 0])] });
    writeFileSync(join(d, 'scan.dcm'), dcm);
    const r = await importUnchanged([d]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].reason).toMatch(/scan\.dcm: unsupported DICOM transfer syntax 1\.2\.840\.10008\.1\.2\.4\.90/);
  });

  it('a COCO file with missing fields', async () => {
    const d = caseDir();
    const file = join(d, 'a.json');
    writeFileSync(file, coco([{ id: 1, file_name: '000_HC.png', width: 800, height: 540 }], [{ id: 7, image_id: 1, category_id: 1 }]));
    const r = await importUnchanged([join(HC18, 'images', '000_HC.png')], { format: 'coco', path: file });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].file).toBe(file);
    expect(r.issues[0].reason).toMatch(/annotation id 7: bbox/);
  });

  it('a box outside the image', async () => {
    const d = caseDir();
    const file = join(d, 'a.json');
    writeFileSync(
      file,
      coco([{ id: 1, file_name: '000_HC.png', width: 800, height: 540 }], [{ id: 3, image_id: 1, category_id: 1, bbox: [700, 500, 200, 100] }]),
    );
    const r = await importUnchanged([join(HC18, 'images', '000_HC.png')], { format: 'coco', path: file });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].reason).toMatch(/outside the 800x540 image/);
  });

  it('unknown image names', async () => {
    const d = caseDir();
    const file = join(d, 'a.json');
    writeFileSync(
      file,
      coco([{ id: 1, file_name: 'missing_scan.png', width: 800, height: 540 }], [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 10, 10] }]),
    );
    const r = await importUnchanged([join(HC18, 'images', '000_HC.png')], { format: 'coco', path: file });
    expect(r.issues).toEqual([{ file, reason: 'unknown image name "missing_scan.png": not among the imported image files' }]);
  });

  it('../ in a file name', async () => {
    const d = caseDir();
    const file = join(d, 'a.json');
    writeFileSync(
      file,
      coco([{ id: 1, file_name: '../../etc/000_HC.png', width: 800, height: 540 }], [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 10, 10] }]),
    );
    const r = await importUnchanged([join(HC18, 'images', '000_HC.png')], { format: 'coco', path: file });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].reason).toMatch(/\.\.\/\.\.\/etc\/000_HC\.png/);
    expect(r.issues[0].reason).toMatch(/\.\./);
  });

  it('imports the rest of a folder around the bad files', async () => {
    const d = caseDir();
    copyFileSync(join(HC18, 'images', '020_HC.png'), join(d, '020_HC.png'));
    writeFileSync(join(d, 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    const before = snapshot(project);
    const r = await importInputs(project, [d]);
    expect(r.imagesAdded).toBe(1);
    expect(r.issues.map((i) => i.file)).toEqual(['broken.png']);
    const after = snapshot(project);
    // What was there before is still there, byte for byte.
    for (const [table, rows] of Object.entries(before.tables)) expect(after.tables[table].slice(0, rows.length)).toEqual(rows);
    expect(after.files).toEqual(expect.arrayContaining(before.files));
  });
});
