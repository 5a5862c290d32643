-- Issue 15 "scale with file count": the quota check (src/server/db/quota.ts) sums a user's listed files and
-- open intents on every intent request. Both sums now read an index only: the files' bytes from a covering
-- index, the open intents (pending or uploaded, a handful) from one on (user_id, status, created_at) — before,
-- every intent the user ever had was visited, so the check grew with the account (20,000 files: ~7 ms a check).
DROP INDEX IF EXISTS files_user_status;
CREATE INDEX files_user_status ON files(user_id, status, bytes);
CREATE INDEX intents_user_open ON intents(user_id, status, created_at);
