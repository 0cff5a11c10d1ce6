// Run by test/storage-mounts.test.ts inside `unshare -m` (a private mount namespace, so every mount here
// vanishes with this process): a project on a real 8 MB tmpfs that fills up, then the same volume
// remounted read-only. Uses the built code in dist/ and prints one JSON line with what happened.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { dispatch } from '../../dist/src-main/api/dispatch.js';
import { createService } from '../../dist/src-main/api/service.js';
import { Session } from '../../dist/src-main/api/session.js';

const [base] = process.argv.slice(2);
const vol = join(base, 'vol');
const inputs = join(base, 'inputs');
const out = { steps: {} };
const mount = (...args) => execFileSync('mount', args, { stdio: 'pipe' });

async function png(level, size = 24) {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: level, g: level, b: level } } }).toColourspace('b-w').png().toBuffer();
}

async function main() {
  mkdirSync(vol, { recursive: true });
  mkdirSync(inputs, { recursive: true });
  mount('-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', vol);
  for (let i = 0; i < 4; i++) writeFileSync(join(inputs, `img${i}.png`), await png(30 + 40 * i));
  // Large enough that its blob cannot fit once the disk is full.
  writeFileSync(join(inputs, 'big.png'), await sharp({ create: { width: 400, height: 400, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer());

  let session = new Session(join(base, 'recent.json'));
  let service = createService({ session, author: 'mounts' });
  const call = (m, i) => dispatch(service, m, i);
  session.open(join(vol, 'p'), true);
  await call('import.run', { paths: [join(inputs, 'img0.png'), join(inputs, 'img1.png')] });
  const images = (await call('images.list', { offset: 0, limit: 10 })).value.items.map((i) => i.id);
  const categoryId = (await call('categories.ensure', { name: 'kidney' })).value.id;
  for (const imageId of images) for (let k = 0; k < 5; k++) await call('annotations.create', { imageId, categoryId, box: { x: k, y: 1, w: 4, h: 4 } });
  const list = async () => [...(await call('annotations.list', { imageId: images[0] })).value, ...(await call('annotations.list', { imageId: images[1] })).value];
  const saved = await list();

  // Fill the volume to the last byte.
  const filler = join(vol, 'filler.bin');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    out.steps.fill = e.code;
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 512);
  } catch {
    // the last crumbs
  } finally {
    closeSync(fd);
  }

  let edit = null;
  let acknowledged = 0;
  for (let k = 0; k < 5000 && !edit; k++) {
    const r = await call('annotations.create', { imageId: images[0], categoryId, box: { x: 1 + (k % 15), y: 2, w: 3, h: 3 } });
    if (r.ok) acknowledged++;
    else edit = r;
  }
  out.steps.edit = edit ? edit.error : 'never refused';
  out.steps.acknowledgedWhileFilling = acknowledged;
  const imp = await call('import.run', { paths: [join(inputs, 'big.png')] });
  out.steps.import = imp.ok ? { ok: true, issues: imp.value.issues } : imp.error;
  const exp = await call('export.run', { format: 'coco', out: join(vol, 'export', 'a.json') });
  out.steps.export = exp.ok ? 'ok' : exp.error;

  rmSync(filler);
  const project = session.current;
  out.steps.integrityAfterFull = project.db.pragma('integrity_check', { simple: true });
  const after = await list();
  out.steps.earlierIntact = saved.every((a) => after.some((b) => JSON.stringify(a) === JSON.stringify(b)));
  out.steps.countAfterFull = { before: saved.length, after: after.length, acknowledged };
  out.steps.writeAfterSpace = (await call('annotations.create', { imageId: images[1], categoryId, box: { x: 9, y: 9, w: 2, h: 2 } })).ok;
  const beforeRo = await list();
  await call('session.close', {});

  // The same volume, read-only: opening the project must say so, and change nothing.
  mount('-o', 'remount,ro', vol);
  const open = await call('session.open', { dir: join(vol, 'p') });
  out.steps.openReadOnly = open.ok ? 'opened' : open.error;
  if (open.ok) {
    const w = await call('annotations.create', { imageId: images[0], categoryId, box: { x: 1, y: 1, w: 2, h: 2 } });
    out.steps.editReadOnly = w.ok ? 'ok' : w.error;
    await call('session.close', {});
  }

  // Writable again: everything saved before is there, and the project opens without repair.
  mount('-o', 'remount,rw', vol);
  session = new Session(join(base, 'recent.json'));
  service = createService({ session, author: 'mounts' });
  const reopened = await dispatch(service, 'session.open', { dir: join(vol, 'p') });
  out.steps.reopen = reopened.ok;
  out.steps.integrityAfterReadOnly = session.current?.db.pragma('integrity_check', { simple: true });
  const finalList = [
    ...(await dispatch(service, 'annotations.list', { imageId: images[0] })).value,
    ...(await dispatch(service, 'annotations.list', { imageId: images[1] })).value,
  ];
  out.steps.intactAfterReadOnly = JSON.stringify(finalList) === JSON.stringify(beforeRo);
  session.close();
}

main()
  .catch((e) => {
    out.error = String(e?.stack ?? e);
  })
  .finally(() => {
    process.stdout.write(`STORAGE_MOUNTS_RESULT ${JSON.stringify(out)}\n`);
    try {
      execFileSync('umount', [vol], { stdio: 'pipe' });
    } catch {
      // the namespace ends with the process anyway
    }
  });
