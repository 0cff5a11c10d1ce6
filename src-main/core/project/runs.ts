import { randomBytes } from 'node:crypto';
import { SonoError } from '../errors.js';
import { nowIso } from '../util/time.js';
import type { Project } from './open.js';

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface RunRecord {
  id: string;
  method: string;
  backbone: string | null;
  level: 'na' | 'pa' | 'fa' | null;
  status: RunStatus;
  config: Record<string, unknown>;
  backend: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunRow {
  id: string;
  method: string;
  backbone: string | null;
  level: RunRecord['level'];
  status: RunStatus;
  config: string;
  backend: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function fromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    method: r.method,
    backbone: r.backbone,
    level: r.level,
    status: r.status,
    config: JSON.parse(r.config) as Record<string, unknown>,
    backend: r.backend,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Run ids sort by creation time and are short enough to type on a command line. */
function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `r${t}-${randomBytes(2).toString('hex')}`;
}

export function createRun(
  project: Project,
  input: { method: string; backbone?: string | null; level?: RunRecord['level']; config?: Record<string, unknown> },
): RunRecord {
  const id = newRunId();
  project.db
    .prepare('INSERT INTO runs (id, method, backbone, level, status, config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(id, input.method, input.backbone ?? null, input.level ?? null, 'queued', JSON.stringify(input.config ?? {}), nowIso());
  return getRun(project, id);
}

export function getRun(project: Project, id: string): RunRecord {
  const row = project.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) throw new SonoError('NOT_FOUND', `run ${id} is not in this project`, id);
  return fromRow(row);
}

export function listRuns(project: Project): RunRecord[] {
  return (project.db.prepare('SELECT * FROM runs ORDER BY created_at, id').all() as RunRow[]).map(fromRow);
}

export function setRunStatus(
  project: Project,
  id: string,
  status: RunStatus,
  extra: { error?: string; backend?: string } = {},
): void {
  const at = nowIso();
  const started = status === 'running' ? at : null;
  const finished = status === 'running' || status === 'queued' ? null : at;
  const info = project.db
    .prepare(
      // A run running again (resumed) no longer carries the error it stopped with.
      `UPDATE runs SET status = ?, error = CASE WHEN status <> 'running' AND ? = 'running' THEN NULL ELSE coalesce(?, error) END, backend = coalesce(?, backend),
         started_at = coalesce(started_at, ?), finished_at = ? WHERE id = ?`,
    )
    .run(status, status, extra.error ?? null, extra.backend ?? null, started, finished, id);
  if (info.changes === 0) throw new SonoError('NOT_FOUND', `run ${id} is not in this project`, id);
}

/**
 * A run still marked running when its project is opened belongs to a process that died (only one
 * process can hold a project), so it is shown as interrupted rather than as if it were still going.
 */
export function markInterruptedRuns(project: Project): number {
  return project.db
    .prepare("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status IN ('running', 'queued')")
    .run(nowIso()).changes;
}
