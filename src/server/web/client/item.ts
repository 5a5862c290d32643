/**
 * One upload item of the page's list (seed 000: "Liste mit Upload-Items (Name, Fortschritt, Status,
 * Retry, Abbrechen)"). States in the seed's words: waiting (wartet…) → uploading (lädt hoch…) → uploaded
 * (hochgeladen) → registered (registriert), or failed (fehlgeschlagen); cancelled after „Abbrechen".
 * `history` keeps every state the item went through (shown as data-history, read by the browser tests).
 */
import type { MessageKey } from '../i18n.js';

export type ItemState = 'waiting' | 'uploading' | 'uploaded' | 'registered' | 'failed' | 'cancelled';

export interface UploadItem {
  id: number;
  file: File;
  /** Room type and stack id the item is uploaded with (chosen on the page when it was added). */
  room: string;
  stack: string;
  state: ItemState;
  history: ItemState[];
  /** Bytes sent to storage in the current attempt. */
  sent: number;
  /** SHA-256 hex, once hashed. */
  checksum?: string;
  /** A line under the status (message key + values), or null. */
  detail: { key: MessageKey; vars?: Record<string, string | number> } | null;
  fileId?: string;
  /** Aborts the current attempt („Abbrechen"). */
  ctrl: AbortController;
}

/** Every state change goes through here (keeps `history`). */
export function setState(item: UploadItem, state: ItemState): void {
  if (item.state === state && item.history.length > 0) return;
  item.state = state;
  item.history.push(state);
}

export const ACTIVE: ReadonlySet<ItemState> = new Set(['waiting', 'uploading', 'uploaded']);
