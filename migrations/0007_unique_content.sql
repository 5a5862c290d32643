-- "Without duplicating a file": one listed file per content (SHA-256) and order. Finalize upserts on it, so a
-- killed run's finalize that completes after the re-run asked a fresh intent still gives one row.
-- Rows doubled by earlier versions are kept but marked superseded by the first (oldest) one first.
UPDATE files SET status = 'superseded',
       superseded_by = (SELECT f2.id FROM files f2 WHERE f2.order_id = files.order_id AND f2.checksum = files.checksum
                        ORDER BY f2.created_at, f2.rowid LIMIT 1)
 WHERE checksum IS NOT NULL AND status NOT IN ('deleted', 'superseded')
   AND rowid <> (SELECT f3.rowid FROM files f3 WHERE f3.order_id = files.order_id AND f3.checksum = files.checksum
                 AND f3.status NOT IN ('deleted', 'superseded') ORDER BY f3.created_at, f3.rowid LIMIT 1);
CREATE UNIQUE INDEX files_order_content ON files(order_id, checksum)
  WHERE checksum IS NOT NULL AND status NOT IN ('deleted', 'superseded');
