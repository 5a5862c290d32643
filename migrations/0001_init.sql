-- piximmo D1 schema (wrangler D1 migrations format: applied in file-name order, tracked in d1_migrations).
-- Times are ISO 8601 UTC strings ("2025-11-10T09:30:00.000Z"); sizes are bytes.

CREATE TABLE users (
  id         TEXT PRIMARY KEY,
  name       TEXT,
  created_at TEXT NOT NULL
);

-- Device tokens and web sessions: only SHA-256 (hex) of the secret is stored, never the secret.
CREATE TABLE auth_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id),
  kind       TEXT NOT NULL CHECK (kind IN ('device', 'session')),
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

CREATE TABLE orders (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id),
  shootcode  TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX orders_user ON orders(user_id);

-- ver of the object key: atomic per (order, room_type, stack_id) counter (SPEC: v = 1 + keys issued).
CREATE TABLE key_counters (
  order_id  TEXT NOT NULL,
  room_type TEXT NOT NULL,
  stack_id  TEXT NOT NULL,
  issued    INTEGER NOT NULL,
  PRIMARY KEY (order_id, room_type, stack_id)
);

-- One row per issued object key. status: pending → uploaded (local PUT done / multipart completed)
-- → finalized; or expired (housekeeping, 24 h) / aborted (multipart abort).
CREATE TABLE intents (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  order_id    TEXT NOT NULL REFERENCES orders(id),
  object_key  TEXT NOT NULL UNIQUE,
  filename    TEXT NOT NULL,
  mime        TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  checksum    TEXT,
  room_type   TEXT NOT NULL,
  stack_id    TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'uploaded', 'finalized', 'expired', 'aborted')),
  upload_id   TEXT,
  part_size   INTEGER,
  claimed_at  TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX intents_status_created ON intents(status, created_at);
CREATE INDEX intents_user ON intents(user_id);

-- Finalized files only (SPEC: an intent without finalize never shows).
CREATE TABLE files (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  order_id    TEXT NOT NULL REFERENCES orders(id),
  object_key  TEXT NOT NULL UNIQUE,
  filename    TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  mime        TEXT NOT NULL,
  checksum    TEXT,
  room_type   TEXT NOT NULL,
  stack_id    TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded')),
  meta        TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX files_order ON files(order_id, created_at);
CREATE INDEX files_order_checksum ON files(order_id, checksum);

-- RFC 8628 device authorization grant. device_code stored as SHA-256 hex; user_code is short-lived.
CREATE TABLE device_codes (
  device_code_hash TEXT PRIMARY KEY,
  user_code        TEXT NOT NULL UNIQUE,
  status           TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  user_id          TEXT REFERENCES users(id),
  interval_s       INTEGER NOT NULL,
  last_poll_at     TEXT,
  expires_at       TEXT NOT NULL,
  created_at       TEXT NOT NULL
);
