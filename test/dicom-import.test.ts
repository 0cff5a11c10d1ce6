import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDicom, IDENTITY, TS } from '../src-main/core/imaging/dicom-writer.test-util.js';
import { importInputs } from '../src-main/core/import/run-import.js';
import { listImages, openProject } from '../src-main/core/project/index.js';
import { subjectFromPatientId } from '../src-main/core/util/hash.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-dicom-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function allBytes(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name))),
  );
}

describe('DICOM import', () => {
  it('stores each frame as an image, the patient id only as a salted subject, and no identifying tag anywhere', async () => {
    const src = join(work, 'src');
    mkdirSync(src);
    const frames = 3;
    const pixels = Array.from({ length: 16 * 12 * frames }, (_, i) => (i * 37) % 4096);
    writeFileSync(join(src, 'cine.dcm'), await buildDicom({ transferSyntax: TS.explicitLE, rows: 12, columns: 16, bitsAllocated: 16, bitsStored: 12, frames, pixels }));
    const project = openProject(join(work, 'p'), { create: true });
    try {
      const report = await importInputs(project, [src]);
      expect(report.issues).toEqual([]);
      expect(report.imagesAdded).toBe(frames);
      const images = listImages(project, { offset: 0, limit: 10 }).items;
      expect(images.map((i) => i.originalName)).toEqual(['cine.dcm#1', 'cine.dcm#2', 'cine.dcm#3']);
      expect(images.every((i) => i.bitDepth === 16 && i.width === 16 && i.height === 12)).toBe(true);
      const subject = subjectFromPatientId(project.salt, IDENTITY.patientId);
      expect(images.every((i) => i.subject === subject)).toBe(true);
      expect((await importInputs(project, [src])).imagesAdded).toBe(0);
    } finally {
      project.close();
    }
    const stored = allBytes(join(work, 'p')).toString('latin1');
    for (const value of Object.values(IDENTITY)) expect(stored.includes(value), value).toBe(false);
  });
});
