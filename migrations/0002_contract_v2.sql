-- SPEC "Contract v2": file lifecycle, stack identity, replaces, previews, soft delete, malware scan.
-- Shared by every v2 feature so that one schema change lands once; later features add their own files
-- (0003_…, 0004_…) for their own tables.

-- files.status gains the v2 lifecycle (SQLite cannot alter a CHECK: the table is rebuilt, rows kept).
CREATE TABLE files_v2 (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users(id),
  order_id       TEXT NOT NULL REFERENCES orders(id),
  object_key     TEXT NOT NULL UNIQUE,
  filename       TEXT NOT NULL,
  bytes          INTEGER NOT NULL,
  mime           TEXT NOT NULL,
  checksum       TEXT,
  room_type      TEXT NOT NULL,
  stack_id       TEXT NOT NULL,
  status         TEXT NOT NULL DEFAULT 'uploaded'
                 CHECK (status IN ('uploaded', 'processing', 'ready', 'failed', 'infected', 'deleted', 'superseded')),
  status_reason  TEXT,             -- why failed (e.g. SCAN_UNAVAILABLE, DECODE_FAILED) or the signature if infected
  previews       TEXT NOT NULL DEFAULT '[]', -- JSON array of the preview sizes made: ["small","medium",…]
  room_label     TEXT,             -- the room folder's name as written (SPEC v2 stack identity)
  stack_key      TEXT,             -- the client's opaque stack key (SPEC v2)
  stack_frames   INTEGER,          -- frames the client's stack has (SPEC v2)
  replaces       TEXT,             -- file_id this file supersedes (SPEC v2 finalize `replaces`)
  superseded_by  TEXT,             -- file_id of the newer version
  deleted_at     TEXT,             -- soft delete time (housekeeping removes the object 7 days later)
  purged_at      TEXT,             -- when housekeeping removed object and previews
  intent_at      TEXT,             -- when the intent was issued (statistics: intent → finalize)
  meta           TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
INSERT INTO files_v2 (id, user_id, order_id, object_key, filename, bytes, mime, checksum, room_type, stack_id,
                      status, meta, created_at, updated_at)
  SELECT id, user_id, order_id, object_key, filename, bytes, mime, checksum, room_type, stack_id,
         status, meta, created_at, updated_at FROM files;
DROP TABLE files;
ALTER TABLE files_v2 RENAME TO files;
CREATE INDEX files_order ON files(order_id, created_at);
CREATE INDEX files_order_checksum ON files(order_id, checksum);
CREATE INDEX files_order_status ON files(order_id, status);
CREATE INDEX files_user_status ON files(user_id, status);

-- Intents carry the v2 fields to finalize (stack identity, replaces).
ALTER TABLE intents ADD COLUMN room_label TEXT;
ALTER TABLE intents ADD COLUMN stack_key TEXT;
ALTER TABLE intents ADD COLUMN stack_frames INTEGER;

-- SPEC v2 stack identity: one row per stack of an order; stack_id unique per (order, room_type).
CREATE TABLE stacks (
  order_id        TEXT NOT NULL REFERENCES orders(id),
  room_type       TEXT NOT NULL,
  stack_id        TEXT NOT NULL,
  stack_key       TEXT,
  room_label      TEXT,
  frames_declared INTEGER,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (order_id, room_type, stack_id)
);
CREATE UNIQUE INDEX stacks_key ON stacks(order_id, room_type, stack_key);
