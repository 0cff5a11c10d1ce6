/**
 * Versioned schema. Migration N brings `PRAGMA user_version` from N-1 to N; each runs in its own
 * transaction, so a crash mid-migration leaves the previous version intact. Never edit a shipped
 * migration: add a new one, because projects are copied between workstations with older builds.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the foundation.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE images (
    id            INTEGER PRIMARY KEY,
    -- sha256 of the bytes the image came from (a PNG, a JPEG, a whole DICOM file), the name it was
    -- imported under and the frame within it: the identity that makes re-imports idempotent. The name
    -- is part of it because real data sets hold byte-identical files under different names with
    -- different boxes; their stored file is still shared.
    source_sha256 TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    frame         INTEGER NOT NULL DEFAULT 0,
    -- sha256 of the stored file under images/ab/<sha256>.<ext> (equal to source_sha256 for PNG/JPEG).
    file_sha256   TEXT NOT NULL,
    file_ext      TEXT NOT NULL,
    original_name TEXT NOT NULL,
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    channels      INTEGER NOT NULL,
    bit_depth     INTEGER NOT NULL,
    subject       TEXT,
    split         TEXT CHECK (split IN ('train', 'val', 'test')),
    modality      TEXT NOT NULL DEFAULT 'US',
    metadata      TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    UNIQUE (source_sha256, source_name, frame)
  );
  CREATE INDEX images_name ON images (original_name);
  CREATE INDEX images_source ON images (source_sha256);
  CREATE INDEX images_subject ON images (subject);

  CREATE TABLE categories (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL
  );

  CREATE TABLE annotations (
    id          INTEGER PRIMARY KEY,
    image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    x           REAL NOT NULL,
    y           REAL NOT NULL,
    w           REAL NOT NULL CHECK (w > 0),
    h           REAL NOT NULL CHECK (h > 0),
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX annotations_image ON annotations (image_id) WHERE deleted = 0;

  -- Append-only: rows are never updated or deleted, so undo/redo can be rebuilt after any restart.
  -- kind 'do' records an edit; 'undo' and 'redo' name the 'do' row they reverse or re-apply.
  CREATE TABLE edit_log (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    author        TEXT NOT NULL,
    image_id      INTEGER NOT NULL,
    annotation_id INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('do', 'undo', 'redo')),
    op            TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    target_seq    INTEGER REFERENCES edit_log (seq),
    before        TEXT,
    after         TEXT
  );
  CREATE INDEX edit_log_image ON edit_log (image_id, seq);
  CREATE TRIGGER edit_log_no_update BEFORE UPDATE ON edit_log
    BEGIN SELECT RAISE(ABORT, 'edit_log is append-only'); END;
  CREATE TRIGGER edit_log_no_delete BEFORE DELETE ON edit_log
    BEGIN SELECT RAISE(ABORT, 'edit_log is append-only'); END;

  CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    method      TEXT NOT NULL,
    backbone    TEXT,
    level       TEXT CHECK (level IN ('na', 'pa', 'fa')),
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    config      TEXT NOT NULL DEFAULT '{}',
    backend     TEXT,
    error       TEXT,
    progress    TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
  );

  CREATE TABLE run_metrics (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    scope  TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  REAL NOT NULL,
    lo     REAL,
    hi     REAL,
    PRIMARY KEY (run_id, scope, name)
  );

  CREATE TABLE detections (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    category_id INTEGER REFERENCES categories (id),
    scope       TEXT NOT NULL,
    x           REAL NOT NULL,
    y           REAL NOT NULL,
    w           REAL NOT NULL,
    h           REAL NOT NULL,
    score       REAL NOT NULL,
    dice        REAL
  );
  CREATE INDEX detections_run ON detections (run_id, image_id);

  CREATE TABLE models (
    id         TEXT PRIMARY KEY,
    run_id     TEXT REFERENCES runs (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    metadata   TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );
  `,
  // 2: what Review and Compare show beyond one box and one number per image.
  `
  -- The top-scoring candidate windows of each detection, ranked 1 = best, before they were merged and
  -- refined into the detection's box: where the classifier looked when the detection failed.
  CREATE TABLE detection_windows (
    detection_id INTEGER NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
    rank         INTEGER NOT NULL CHECK (rank >= 1),
    x            REAL NOT NULL,
    y            REAL NOT NULL,
    w            REAL NOT NULL,
    h            REAL NOT NULL,
    score        REAL NOT NULL,
    PRIMARY KEY (detection_id, rank)
  );

  -- Per-epoch losses of every network a run fine-tuned ('final', or 'fold-<k>' in a study), named as in
  -- models. val_loss and val_accuracy are NULL when the epoch had no validation patches.
  CREATE TABLE run_losses (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    network      TEXT NOT NULL,
    epoch        INTEGER NOT NULL CHECK (epoch >= 1),
    train_loss   REAL NOT NULL,
    val_loss     REAL,
    val_accuracy REAL,
    PRIMARY KEY (run_id, network, epoch)
  );

  -- Runs from before this version kept their history only in their models' metadata: the history of
  -- 'final' and 'fold-<k>' networks, or a stopped fine-tuning run's last checkpoint state. Metadata that
  -- is not valid JSON, and history entries that are not objects, are read as '{}' so that one damaged row cannot keep the project from opening.
  INSERT OR IGNORE INTO run_losses (run_id, network, epoch, train_loss, val_loss, val_accuracy)
    WITH meta AS (
      SELECT id, run_id, substr(id, length(run_id) + 2) AS name, CASE WHEN json_valid(metadata) THEN metadata ELSE '{}' END AS doc
      FROM models WHERE run_id IS NOT NULL AND substr(id, 1, length(run_id) + 1) = run_id || '/'
    ),
    epochs AS (
      SELECT meta.run_id, meta.name AS network, CASE WHEN e.type = 'object' THEN e.value ELSE '{}' END AS rec FROM meta, json_each(meta.doc, '$.history') e
      WHERE json_type(meta.doc, '$.history') = 'array'
      UNION ALL
      SELECT meta.run_id, 'final', CASE WHEN e.type = 'object' THEN e.value ELSE '{}' END FROM meta, json_each(meta.doc, '$.state.history') e
      WHERE meta.name = 'checkpoint' AND json_type(meta.doc, '$.state.history') = 'array'
        AND NOT EXISTS (SELECT 1 FROM models f WHERE f.id = meta.run_id || '/final')
    )
    SELECT run_id, network, json_extract(rec, '$.epoch'), json_extract(rec, '$.trainLoss'), json_extract(rec, '$.valLoss'), json_extract(rec, '$.valAccuracy')
    FROM epochs
    WHERE json_type(rec, '$.epoch') = 'integer' AND json_extract(rec, '$.epoch') >= 1
      AND json_type(rec, '$.trainLoss') IN ('integer', 'real')
      AND coalesce(json_type(rec, '$.valLoss'), 'null') IN ('integer', 'real', 'null')
      AND coalesce(json_type(rec, '$.valAccuracy'), 'null') IN ('integer', 'real', 'null');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
