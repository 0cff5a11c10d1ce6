/**
 * The storage-failures scenario on real file systems: a project on an 8 MB tmpfs that fills up, then
 * the same volume remounted read-only (test/helpers/storage-mounts-child.mjs, run in a private mount
 * namespace so nothing outlives it). Needs `unshare -m` and mount rights (root with CAP_SYS_ADMIN, as
 * in the project's CI container); elsewhere it is skipped with the reason printed, and
 * storage-failures.test.ts still covers the same answers through simulated failures. Runs dist/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from './helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-mounts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mountsAvailable(): string | null {
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mkdir -p ${work}/probe && mount -t tmpfs -o size=1m tmpfs ${work}/probe && umount ${work}/probe`], { encoding: 'utf8' });
  return probe.status === 0 ? null : `cannot mount in a private namespace here (${(probe.stderr || probe.error?.message || '').trim().slice(0, 200)})`;
}

const unavailable = mountsAvailable();
if (unavailable) console.log(`storage-mounts: skipped: ${unavailable}`);

interface Steps {
  fill: string;
  edit: { code: string; message: string } | string;
  import: { code: string; message: string } | { ok: true };
  export: { code: string; message: string } | string;
  integrityAfterFull: string;
  earlierIntact: boolean;
  countAfterFull: { before: number; after: number; acknowledged: number };
  writeAfterSpace: boolean;
  openReadOnly: { code: string; message: string } | string;
  reopen: boolean;
  integrityAfterReadOnly: string;
  intactAfterReadOnly: boolean;
}

describe.skipIf(unavailable !== null)('a project on a real full disk and a read-only mount', () => {
  it('answers DISK_FULL and PROJECT_READ_ONLY, damages nothing, and works again once space or write access is back', () => {
    assertBuilt();
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, join(ROOT, 'test', 'helpers', 'storage-mounts-child.mjs'), work], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 50_000,
      env: { ...process.env, SONOTL_CONFIG_DIR: join(work, 'config') },
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('STORAGE_MOUNTS_RESULT '));
    expect(line, `${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`).toBeDefined();
    const out = JSON.parse(line!.slice('STORAGE_MOUNTS_RESULT '.length)) as { steps: Steps; error?: string };
    expect(out.error).toBeUndefined();
    const s = out.steps;
    expect(s.fill).toBe('ENOSPC');
    expect(s.edit).toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/^disk full while writing .+; free some space/) });
    expect(s.import).toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('/vol/p/images/') });
    expect(s.export).toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('/vol/export/a.json') });
    expect(s.integrityAfterFull).toBe('ok');
    expect(s.earlierIntact).toBe(true);
    expect(s.countAfterFull.after).toBe(s.countAfterFull.before + s.countAfterFull.acknowledged);
    expect(s.writeAfterSpace).toBe(true);
    expect(s.openReadOnly).toMatchObject({ code: 'PROJECT_READ_ONLY', message: expect.stringMatching(/read-only or not accessible.*copy the project to a writable folder/) });
    expect(s.reopen).toBe(true);
    expect(s.integrityAfterReadOnly).toBe('ok');
    expect(s.intactAfterReadOnly).toBe(true);
  }, 60_000);
});
