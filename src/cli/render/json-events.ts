/**
 * Every line `--json` writes (SPEC "--json": NDJSON on stdout, schema version 1, documented in README
 * "JSON events"), as one discriminated union on `event`. `writeJsonLine` (json.ts) takes only these, so a
 * new line kind, or a field added to one, is a change of this file. The wire format is schema v1 as
 * before: this file types it, it does not change it. Codes, never sentences (detail: English text).
 */
import type { FileRecord, OrderSummary, QuotaFigures, StackRecord } from '../../contract/api.js';
import type { SkipReason } from '../../core/plan/scan.js';
import type { StackReview } from '../../core/plan/stack-review.js';
import type { FileState } from '../../core/transfer/events.js';
import type { SettingSource } from '../setting-table.js';
import type { RoomRow } from '../summary.js';
import type { ProgressSnapshot } from './progress.js';
import type { IncompleteStack } from './types.js';

/** A failure as it appears in lines: a code (SPEC error codes or CLI codes) and an English detail. */
export interface JsonError {
  code: string;
  detail: string;
}

/** The fields of a planned/uploading file in `file` lines. */
export interface JsonFileFields {
  path: string;
  root: string;
  order_id: string;
  room_type: string;
  stack_id: string;
  bytes: number;
}

// ── upload, batch, watch: the run ────────────────────────────────────────────────────────────────
export type ScanEvent = { event: 'scan'; root: string; order_id: string; files: number; bytes: number; skipped: { path: string; reason: SkipReason }[] };
export type ProgressEvent = { event: 'progress' } & Omit<ProgressSnapshot, 'active'>;
export type FileEvent = { event: 'file'; state: FileState; object_key?: string; file_id?: string; note?: string; error?: JsonError } & JsonFileFields;
export type RetryEvent = { event: 'retry'; path: string; order_id: string; code: string; detail: string; wait_ms: number; attempt: number };
/** A warning; a file's warning names its path, and may carry the warning's parameters (e.g. `cameras`). */
export type WarningEvent = { event: 'warning'; path?: string; code: string; detail: string; [param: string]: string | number | undefined };
/** A run or command that ends in an error; `quota` with QUOTA_EXCEEDED, `order_id` with ORDER_FORBIDDEN. */
export type ErrorEvent = { event: 'error'; code: string; detail: string; order_id?: string; quota?: Record<string, number> };
/** `code` (ENOTFOUND, ECONNREFUSED, …) and `host` (`host:port`): what the first unreachable request met. */
export type OfflineEvent = { event: 'offline'; since: string; code?: string; host?: string };
export type OnlineEvent = { event: 'online'; offline_ms: number };
export type SummaryEvent = {
  event: 'summary';
  bytes_sent: number;
  duration_ms: number;
  interrupted: boolean;
  forbidden_orders: string[];
  fatal?: JsonError;
  rooms: RoomRow[];
  failures: { path: string; order_id: string; code?: string; detail?: string }[];
  server_check: {
    checked: boolean;
    missing: string[];
    incomplete_stacks: IncompleteStack[];
    infected: { path: string; order_id: string; file_id: string; signature: string | null }[];
    processing: string[];
  };
} & Omit<RoomRow, 'room_type' | 'order_id'>;
/** `upload --dry-run`: one line per planned file, then one per stack. */
export type PlanEvent = {
  event: 'plan';
  root: string;
  order_id: string;
  path: string;
  room_type: string;
  stack_id: string;
  bytes: number;
  ev: number | null;
  captured_at: string | null;
  room_label: string | null;
};
export type PlanStackEvent = { event: 'plan_stack'; root: string; order_id: string } & StackReview;

// ── watch ────────────────────────────────────────────────────────────────────────────────────────
export type CardEvent = { event: 'card'; card: string; root: string; state: string; done: number; total: number; copied?: number };
export type CopyEvent =
  | { event: 'copy'; card: string; path: string; dest: string; state: 'copied'; checksum: string; bytes: number }
  | { event: 'copy'; card: string; path: string; dest: string; state: 'failed'; error: JsonError };
export type WatchEvent = {
  event: 'watch';
  root: string;
  card: string;
  present: boolean;
  offline: boolean;
  total: number;
  waiting: number;
  uploading: number;
  done: number;
  failed: number;
  copied?: number;
  copy_failed?: number;
};

// ── account, config ──────────────────────────────────────────────────────────────────────────────
export type DeviceCodeEvent = { event: 'device_code'; user_code: string; verification_uri: string; expires_in: number };
export type LoginEvent = { event: 'login'; user_id: string; api_url: string };
export type LogoutEvent = { event: 'logout'; revoked: boolean };
export type WhoamiEvent = { event: 'whoami'; user_id: string; name: string | null; api_url: string; quota: QuotaFigures | null };
export type OrderEvent = { event: 'order' } & OrderSummary;
export type ConfigEvent = { event: 'config'; key: string; value: string; source: SettingSource };
export type ConfigSetEvent = { event: 'config_set'; key: string; value: string | null; file: string };

// ── the order on the server ──────────────────────────────────────────────────────────────────────
export type ServerFileEvent = { event: 'server_file'; order_id: string } & FileRecord;
export type StackEvent = { event: 'stack'; order_id: string } & StackRecord;
export type DownloadEvent =
  | { event: 'download'; file_id: string; state: 'downloaded'; path: string; bytes: number; sha256: string }
  | { event: 'download'; file_id: string; state: 'failed'; error: JsonError };
export type DownloadSummaryEvent = { event: 'download_summary'; files: number; downloaded: number; failed: number; dir: string };
export type RmEvent =
  | { event: 'rm'; file_id: string; state: 'deleted'; deleted_at: string }
  | { event: 'rm'; file_id: string; state: 'failed'; error: JsonError };
export type RmSummaryEvent = { event: 'rm_summary'; files: number; deleted: number; failed: number };

// ── status, verify ───────────────────────────────────────────────────────────────────────────────
type StatusCounts = { files: number; registered: number; pending: number; failed: number; bytes: number };
export type StatusEvent = { event: 'status'; root: string; order_id: string; manifest: string; found: boolean; updated_at?: string | null } & StatusCounts;
export type StatusRoomEvent = { event: 'status_room'; order_id: string; room_type: string; failures: { path: string; code: string; detail: string }[] } & StatusCounts;
type VerifyOf<K extends string, F> = { event: 'verify_file'; kind: K; order_id: string } & F;
/** One finding of `verify`: a local file missing on the server, a checksum that differs, an unreadable local file, a server file with no local one. */
export type VerifyFileEvent =
  | VerifyOf<'missing', { path: string; bytes: number; checksum: string }>
  | VerifyOf<'mismatched', { path: string; local: string; server: string; file_id: string; object_key: string }>
  | VerifyOf<'unreadable', { path: string; cause: string }>
  | VerifyOf<'extra', Pick<FileRecord, 'file_id' | 'object_key' | 'filename' | 'room_type' | 'stack_id' | 'bytes' | 'checksum'>>;
export type VerifyEvent = {
  event: 'verify';
  root: string;
  order_id: string;
  local_files: number;
  server_files: number;
  missing: number;
  mismatched: number;
  extra: number;
  unreadable: number;
  hashed: number;
  reused: number;
  rehash: boolean;
  ok: boolean;
};

/** One NDJSON line of schema v1, without the `v` field (writeJsonLine adds it). */
export type JsonEvent =
  | ScanEvent
  | ProgressEvent
  | FileEvent
  | RetryEvent
  | WarningEvent
  | ErrorEvent
  | OfflineEvent
  | OnlineEvent
  | SummaryEvent
  | PlanEvent
  | PlanStackEvent
  | CardEvent
  | CopyEvent
  | WatchEvent
  | DeviceCodeEvent
  | LoginEvent
  | LogoutEvent
  | WhoamiEvent
  | OrderEvent
  | ConfigEvent
  | ConfigSetEvent
  | ServerFileEvent
  | StackEvent
  | DownloadEvent
  | DownloadSummaryEvent
  | RmEvent
  | RmSummaryEvent
  | StatusEvent
  | StatusRoomEvent
  | VerifyFileEvent
  | VerifyEvent;

/** The line kinds. */
export type JsonEventName = JsonEvent['event'];

/** Every line kind, at run time (README's table is checked against it); the compiler keeps it complete. */
export const JSON_EVENT_NAMES = [
  'scan', 'progress', 'file', 'retry', 'warning', 'error', 'offline', 'online', 'summary', 'plan', 'plan_stack',
  'card', 'copy', 'watch', 'device_code', 'login', 'logout', 'whoami', 'order', 'config', 'config_set',
  'server_file', 'stack', 'download', 'download_summary', 'rm', 'rm_summary', 'status', 'status_room', 'verify_file', 'verify',
] as const satisfies readonly JsonEventName[];
/** Compile-time check: a kind missing from JSON_EVENT_NAMES makes this `never` and the file fail to compile. */
const complete: [Exclude<JsonEventName, (typeof JSON_EVENT_NAMES)[number]>] extends [never] ? true : never = true;
void complete;
