/**
 * The manifest's shape (SPEC "Manifest"): one entry per file of the shoot, keyed by its path relative to the
 * shoot folder, and the check that something read from disk has that shape (issue 10: a manifest of the wrong
 * shape is moved aside and rebuilt, as a truncated one is).
 */

export type ManifestState = 'pending' | 'uploaded' | 'registered' | 'failed';

export interface ManifestEntry {
  bytes: number;
  mtime_ms: number;
  /** SHA-256 hex of the content at (bytes, mtime_ms); absent until hashed. */
  checksum?: string;
  state: ManifestState;
  room_type: string;
  /** The plan's stack id, then the one the server allocated (SPEC v2). */
  stack_id: string;
  /** SPEC v2: the stack key sent for this file; a later run of the same stack keeps it (stack-memory.ts). */
  stack_key?: string;
  /** SPEC v2: file_id of the registered earlier version this file's new content replaces (finalize `replaces`). */
  replaces?: string;
  object_key?: string;
  file_id?: string;
  /** A multipart upload in progress: its id, part size (bytes) and the ETag of each finished part. */
  multipart?: { upload_id: string; object_key: string; part_size: number; etags: Record<string, string> };
  attempts: number;
  last_error?: { code: string; message: string };
  updated_at: string;
}

export interface ManifestData {
  version: 1;
  root: string;
  order_id: string;
  api_url: string;
  created_at: string;
  files: Record<string, ManifestEntry>;
}

/**
 * The manifest when `v` has its shape: version 1 and `files` an object (not an array) whose every entry has
 * numeric `bytes` and `mtime_ms`, a known `state`, and string `room_type`/`stack_id`; else null.
 */
export function validateManifest(v: unknown): ManifestData | null {
  if (typeof v !== 'object' || v === null) return null;
  const d = v as Partial<ManifestData>;
  if (d.version !== 1 || typeof d.files !== 'object' || d.files === null || Array.isArray(d.files)) return null;
  for (const e of Object.values(d.files as Record<string, unknown>)) if (!isManifestEntry(e)) return null;
  return d as ManifestData;
}

const STATES = new Set<string>(['pending', 'uploaded', 'registered', 'failed']);

/** True when `v` has the shape of one file's entry (see {@link validateManifest}). */
export function isManifestEntry(v: unknown): v is ManifestEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.bytes === 'number' &&
    typeof e.mtime_ms === 'number' &&
    typeof e.state === 'string' &&
    STATES.has(e.state) &&
    typeof e.room_type === 'string' &&
    typeof e.stack_id === 'string' &&
    (e.checksum === undefined || typeof e.checksum === 'string') &&
    (e.attempts === undefined || typeof e.attempts === 'number') &&
    (e.multipart === undefined || (typeof e.multipart === 'object' && e.multipart !== null))
  );
}
