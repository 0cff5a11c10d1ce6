import { SonoError } from '../errors.js';
import { nowIso } from '../util/time.js';
import { blobRelPath } from './blobs.js';
import type { Project } from './open.js';

export type Split = 'train' | 'val' | 'test';

export interface ImageRecord {
  id: number;
  sourceSha256: string;
  /** The path the image was imported under (below the folder given), without a frame suffix. */
  sourceName: string;
  frame: number;
  fileSha256: string;
  fileExt: string;
  originalName: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  subject: string | null;
  split: Split | null;
  modality: string;
  metadata: Record<string, string | number>;
  createdAt: string;
  /** Path of the stored file relative to the project folder. */
  relPath: string;
}

export interface ImageSummary extends ImageRecord {
  boxCount: number;
}

export type NewImage = Omit<ImageRecord, 'id' | 'createdAt' | 'relPath'>;

interface ImageRow {
  id: number;
  source_sha256: string;
  source_name: string;
  frame: number;
  file_sha256: string;
  file_ext: string;
  original_name: string;
  width: number;
  height: number;
  channels: number;
  bit_depth: number;
  subject: string | null;
  split: Split | null;
  modality: string;
  metadata: string;
  created_at: string;
  box_count?: number;
}

function fromRow(r: ImageRow): ImageSummary {
  return {
    id: r.id,
    sourceSha256: r.source_sha256,
    sourceName: r.source_name,
    frame: r.frame,
    fileSha256: r.file_sha256,
    fileExt: r.file_ext,
    originalName: r.original_name,
    width: r.width,
    height: r.height,
    channels: r.channels,
    bitDepth: r.bit_depth,
    subject: r.subject,
    split: r.split,
    modality: r.modality,
    metadata: JSON.parse(r.metadata) as Record<string, string | number>,
    createdAt: r.created_at,
    relPath: blobRelPath(r.file_sha256, r.file_ext),
    boxCount: r.box_count ?? 0,
  };
}

/** Inserts an image; call inside the import's transaction. Returns the new row id. */
export function insertImage(project: Project, img: NewImage): number {
  const info = project.db
    .prepare(
      `INSERT INTO images (source_sha256, source_name, frame, file_sha256, file_ext, original_name, width, height, channels,
         bit_depth, subject, split, modality, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      img.sourceSha256,
      img.sourceName,
      img.frame,
      img.fileSha256,
      img.fileExt,
      img.originalName,
      img.width,
      img.height,
      img.channels,
      img.bitDepth,
      img.subject,
      img.split,
      img.modality,
      JSON.stringify(img.metadata),
      nowIso(),
    );
  return Number(info.lastInsertRowid);
}

/** The frames already imported from this file content under this name, by frame number. */
export function findBySource(project: Project, sourceSha256: string, sourceName: string): ImageRecord[] {
  const rows = project.db
    .prepare('SELECT * FROM images WHERE source_sha256 = ? AND source_name = ? ORDER BY frame')
    .all(sourceSha256, sourceName) as ImageRow[];
  return rows.map(fromRow);
}

/** Another image with the same content imported under a different name, if any. */
export function findSameContent(project: Project, sourceSha256: string, exceptName: string): ImageRecord | undefined {
  const row = project.db
    .prepare('SELECT * FROM images WHERE source_sha256 = ? AND source_name != ? ORDER BY id LIMIT 1')
    .get(sourceSha256, exceptName) as ImageRow | undefined;
  return row ? fromRow(row) : undefined;
}

export function getImage(project: Project, id: number): ImageSummary {
  const row = project.db
    .prepare(
      `SELECT i.*, (SELECT count(*) FROM annotations a WHERE a.image_id = i.id AND a.deleted = 0) AS box_count
       FROM images i WHERE i.id = ?`,
    )
    .get(id) as ImageRow | undefined;
  if (!row) throw new SonoError('NOT_FOUND', `image ${id} is not in this project`, String(id));
  return fromRow(row);
}

export interface ImageFilter {
  /** Only images without any box. */
  unannotated?: boolean;
  split?: Split | 'none';
  subject?: string;
  /** Case-insensitive substring of the original name. */
  search?: string;
  /** Only images with a detection of this run whose Dice is below `failureBelow` (default 0.8). */
  failuresOfRun?: string;
  failureBelow?: number;
}

export interface ImagePage {
  total: number;
  items: ImageSummary[];
}

/** One page of images in a stable order (import order), with the filter applied in SQL. */
export function listImages(project: Project, page: { offset: number; limit: number }, filter: ImageFilter = {}): ImagePage {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.unannotated) where.push('NOT EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = i.id AND a.deleted = 0)');
  if (filter.split === 'none') where.push('i.split IS NULL');
  else if (filter.split) {
    where.push('i.split = ?');
    args.push(filter.split);
  }
  if (filter.subject !== undefined) {
    where.push('i.subject = ?');
    args.push(filter.subject);
  }
  if (filter.search) {
    where.push("i.original_name LIKE ? ESCAPE '\\'");
    args.push(`%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  }
  if (filter.failuresOfRun) {
    where.push('EXISTS (SELECT 1 FROM detections d WHERE d.image_id = i.id AND d.run_id = ? AND d.dice < ?)');
    args.push(filter.failuresOfRun, filter.failureBelow ?? 0.8);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (project.db.prepare(`SELECT count(*) AS n FROM images i ${clause}`).get(...args) as { n: number }).n;
  const rows = project.db
    .prepare(
      `SELECT i.*, (SELECT count(*) FROM annotations a WHERE a.image_id = i.id AND a.deleted = 0) AS box_count
       FROM images i ${clause} ORDER BY i.id LIMIT ? OFFSET ?`,
    )
    .all(...args, page.limit, page.offset) as ImageRow[];
  return { total, items: rows.map(fromRow) };
}

export function setSplit(project: Project, ids: readonly number[], split: Split | null): void {
  const stmt = project.db.prepare('UPDATE images SET split = ? WHERE id = ?');
  project.db.transaction(() => {
    // All or nothing: an unknown id rolls back the ones before it.
    for (const id of ids) {
      if (stmt.run(split, id).changes === 0) throw new SonoError('NOT_FOUND', `image ${id} is not in this project`, String(id));
    }
  })();
}
