-- Web uploader (SPEC "The web uploader"): sessions signed in at /app expire. Device tokens and seeded
-- sessions keep expires_at NULL (no expiry); src/server/db/users.ts findUserByTokenHash honours it.
ALTER TABLE auth_tokens ADD COLUMN expires_at TEXT;
