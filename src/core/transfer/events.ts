/**
 * Typed events of the upload engine. The engine has no terminal I/O: the CLI renders these
 * (bars on a TTY, plain lines off a TTY, NDJSON with --json) and tests subscribe to them.
 */
import type { ClosingCheckEntry, ExifMeta } from '../../contract/api.js';
import type { ManifestStore } from './manifest.js';

/** SPEC "Per file": waiting → uploading → uploaded → registered, or failed. */
export type FileState = 'waiting' | 'uploading' | 'uploaded' | 'registered' | 'failed';

/** A failure as the engine knows it: a stable code (for --json and for the message table) plus detail. */
export interface Failure {
  /** e.g. NETWORK, STALLED, FILE_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, URL_REJECTED, FILE_VANISHED, … */
  code: string;
  /** The raw reason in English (server message, fs error), for logs and --json. */
  detail: string;
  /** Values the message table may use: sizes in bytes, names. */
  params?: Record<string, string | number>;
}

/** One shoot folder going into one order, with its manifest (SPEC "Manifest": per (folder, order)). */
export interface Shoot {
  /** Real path of the shoot folder. */
  root: string;
  orderId: string;
  manifest: ManifestStore;
  /**
   * Content the order already holds on the server, by SHA-256 (loaded when the manifest had to be
   * rebuilt): a file with a known checksum is registered without sending anything.
   */
  known?: Map<string, { file_id: string; object_key: string }>;
}

/** What the plan knows of a file: where it is, where it goes, what its EXIF says. */
export interface FileFacts {
  absPath: string;
  /** Path relative to the shoot root, posix separators, NFC. The manifest key. */
  relPath: string;
  name: string;
  mime: string;
  /** Size at scan time, bytes. */
  bytes: number;
  mtimeMs: number;
  room_type: string;
  /** The stack id: the plan's (folder or EXIF grouping) until the server allocates one (SPEC v2), then that. */
  stack_id: string;
  meta: ExifMeta;
  /** SPEC v2: the room folder's name as written ("Schlafzimmer 2"); absent without a room folder. */
  room_label?: string;
  /** SPEC v2: the client's stack key (src/core/plan/stack-keys.ts), the same on every run and machine. */
  stack_key?: string;
  /** SPEC v2: frames of the file's stack in this plan. */
  stack_frames?: number;
  /** The stack id the folder (or grouping) gave, kept when the server allocates another. */
  folder_stack_id?: string;
}

/** A file ready for the engine: its facts and the shoot (order, manifest) it belongs to. */
export interface PlannedFile extends FileFacts {
  shoot: Shoot;
}

export type EngineEvent =
  | {
      type: 'file';
      file: PlannedFile;
      state: FileState;
      object_key?: string;
      file_id?: string;
      /** 'already' = registered by an earlier run; 'duplicate' = same content already in the order. */
      note?: 'already' | 'duplicate' | 'retry-upload';
      failure?: Failure;
    }
  /** Bytes of a file left for the network; negative when a retry starts the file over. */
  | { type: 'bytes'; file: PlannedFile; delta: number; /** parts finished by an earlier run: progress, not traffic */ resumed?: boolean }
  | { type: 'retry'; file: PlannedFile; code: string; detail: string; wait_ms: number; attempt: number }
  /**
   * Something to know that is not a failure. STACK_ID_ALLOCATED (SPEC v2): the server gave the file's stack
   * another id than its folder's; params `{room_type, room_label, folder_stack_id, stack_id}`, once per stack.
   */
  | { type: 'warning'; file?: PlannedFile; code: string; detail: string; params?: Record<string, string | number> }
  /** The run stops early for everyone: authentication, manifest not writable. */
  | { type: 'fatal'; failure: Failure }
  /** An order is not the user's (403 at intent): its files stop, other orders go on (batch). */
  | { type: 'order-forbidden'; orderId: string; failure: Failure }
  /**
   * SPEC "Offline is a state": the API or the storage cannot be reached (DNS, refused, no route) since
   * `since_ms`; requests wait. `code` (ENOTFOUND, ECONNREFUSED, …) and `host` (`host:port`) say what the first
   * unreachable request met.
   */
  | { type: 'offline'; since_ms: number; code?: string; host?: string }
  /** The API answers again after `offline_ms` offline. */
  | { type: 'online'; offline_ms: number };

export type EngineListener = (e: EngineEvent) => void;

export interface FileOutcome {
  file: PlannedFile;
  state: FileState;
  note?: 'already' | 'duplicate';
  file_id?: string;
  object_key?: string;
  failure?: Failure;
  /** Wall time spent on this file, ms. */
  duration_ms: number;
  /** When work on this file started (engine clock, ms); absent for files not worked on (already registered). */
  started_ms?: number;
}

export interface RunResult {
  outcomes: FileOutcome[];
  /** Set when the run stopped early for everyone (401, manifest write failure). */
  fatal?: Failure;
  /** Orders refused at intent (403 ORDER_FORBIDDEN); their files were not sent. */
  forbidden_orders: string[];
  /** Ctrl-C: the run stopped starting files and aborted the ones in flight. */
  interrupted: boolean;
  /** Bytes that left for the network (retries included). */
  bytes_sent: number;
  duration_ms: number;
  /**
   * Issue 15: the closing check the run's last confirmation batch brought back (EngineOptions `closingCheck`),
   * one entry per order; cli/closing-fold.ts judges whether it covers the run.
   */
  closing_check?: ClosingCheckEntry[];
}

/**
 * The one definition of `bytes_sent` (issue 9; the upload, batch and watch summaries all count it so): what an
 * event adds, bytes — what left for the network, retries included; parts of an earlier run (`resumed`) and
 * take-backs of a restarted read (negative deltas, body-meter.ts) add 0.
 */
export function bytesSentBy(e: EngineEvent): number {
  return e.type === 'bytes' && !e.resumed ? Math.max(0, e.delta) : 0;
}
