/**
 * Checks a chosen file before any request (seed 000 "Nur Bilder/Videos zulassen …; konfigurierbar",
 * "Größenlimit pro Datei"): the extension must be in the server's allowed types, the size at most the
 * server's max and above 0. Returns the rejection text for the page, or null when the file may go.
 */
import { extensionOf } from '../../../contract/media.js';
import { formatBytes, type Lang } from '../i18n.js';
import type { T } from './dom.js';

export function rejectReason(file: File, types: string[], maxBytes: number, lang: Lang, t: T): string | null {
  const list = types.map((x) => x.toUpperCase()).join(', ');
  const ext = extensionOf(file.name);
  if (!ext) return t('reject.noext', { name: file.name, types: list });
  if (!types.includes(ext)) return t('reject.type', { name: file.name, ext, types: list });
  if (file.size > maxBytes) return t('reject.size', { name: file.name, size: formatBytes(file.size, lang), max: formatBytes(maxBytes, lang) });
  if (file.size === 0) return t('reject.empty', { name: file.name });
  return null;
}
