import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportAnnotations, projectAnnotationSet } from '../src-main/core/export/export-annotations.js';
import { importInputs } from '../src-main/core/import/run-import.js';
import { readCoco } from '../src-main/core/io/index.js';
import type { AnnotationFormat, AnnotationSet } from '../src-main/core/io/types.js';
import { openProject } from '../src-main/core/project/open.js';
import { HC18, USGRA } from './helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-roundtrip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Boxes as sorted strings: order-free, exact comparison of every coordinate. */
function boxKeys(set: AnnotationSet): string[] {
  return set.boxes.map((b) => `${b.fileName}|${b.category}|${b.x}|${b.y}|${b.w}|${b.h}`).sort();
}

async function importInto(
  name: string,
  dataset: string,
  annotations: { format: AnnotationFormat; path: string },
): Promise<AnnotationSet & { sameContent: Array<{ file: string; sameAs: string }> }> {
  const project = openProject(join(work, name), { create: true });
  try {
    const report = await importInputs(project, [dataset], { annotations });
    expect(report.issues).toEqual([]);
    return { ...projectAnnotationSet(project), sameContent: report.sameContent };
  } finally {
    project.close();
  }
}

// usgra-dev holds byte-identical images under different names, annotated differently: both are kept.
describe.each([
  ['hc18-dev', HC18, 191, []],
  ['usgra-dev', USGRA, 512, [{ file: 'images/0077.png', sameAs: 'images/0043.png' }]],
])('%s: import, export to every format, re-import', (name, dataset, boxCount, sameContent) => {
  const original = readCoco(readFileSync(join(dataset, 'annotations.coco.json'), 'utf8'), 'annotations.coco.json');
  let imported: Awaited<ReturnType<typeof importInto>>;

  it('imports as it is, with every box of the COCO file', async () => {
    imported = await importInto(`${name}-source`, dataset, { format: 'coco', path: join(dataset, 'annotations.coco.json') });
    expect(imported.boxes).toHaveLength(boxCount);
    expect(imported.sameContent).toEqual(expect.arrayContaining(sameContent));
    expect(boxKeys(imported)).toEqual(boxKeys(original.set));
  });

  it.each(['coco', 'voc', 'yolo', 'csv'] as const)('reproduces every box exactly through %s', async (format) => {
    const source = openProject(join(work, `${name}-source`));
    const out = join(work, `${name}-export.${format}`);
    try {
      exportAnnotations(source, format, out);
    } finally {
      source.close();
    }
    const again = await importInto(`${name}-from-${format}`, dataset, { format, path: out });
    expect(boxKeys(again)).toEqual(boxKeys(imported));
    // VOC files carry no category list, only names on boxes; the others keep the file's order.
    if (format === 'voc') expect([...again.categories].sort()).toEqual([...imported.categories].sort());
    else expect(again.categories).toEqual(imported.categories);
    if (format === 'coco' || format === 'csv') {
      // These formats also carry subjects and image sizes.
      expect(again.images).toEqual(imported.images);
    }
  });
});
