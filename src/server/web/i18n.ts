/**
 * Texts of the web uploader in German (default) and English (SPEC "The web uploader"), shared by the
 * server-rendered pages and the client script (which gets the chosen language's table as JSON).
 * The seed's words are verbatim (seed 000 "UI-Texte"): „Dateien auswählen", „Dateien hierher ziehen",
 * wartet… / lädt hoch… / hochgeladen / registriert / fehlgeschlagen, „Erneut versuchen", „Abbrechen".
 * Placeholders: `{name}` replaced by `fmt`.
 */

export type Lang = 'de' | 'en';

const de = {
  'app.title': 'piximmo – Upload',
  'app.tagline': 'Bilder und Videos sicher in Ihren Auftrag hochladen',
  'nav.orders': 'Aufträge',
  'nav.signout': 'Abmelden',
  'nav.language': 'Sprache',
  'signin.title': 'Anmelden',
  'signin.intro': 'Melden Sie sich an, um Bilder und Videos in Ihre Aufträge hochzuladen.',
  'signin.localUsers': 'Lokaler Entwicklungsserver: als Testnutzer anmelden',
  'signin.as': 'Anmelden als {name}',
  'signin.token': 'Geräte-Token',
  'signin.tokenHint': 'Das Token aus „piximmo login“ oder von Ihrem Ansprechpartner.',
  'signin.submit': 'Anmelden',
  'signin.failed': 'Anmeldung fehlgeschlagen: Das Token ist unbekannt oder widerrufen.',
  'signin.expired': 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  'signin.unknownUser': 'Diesen Nutzer gibt es nicht.',
  'csrf.refused': 'Anfrage abgelehnt: Sie kam nicht von dieser Seite.',
  'orders.title': 'Ihre Aufträge',
  'orders.none': 'Sie haben noch keine Aufträge.',
  'orders.files': '{count} Dateien',
  'orders.open': 'Öffnen',
  'order.title': 'Auftrag {id}',
  'order.shoot': 'Shooting {code}',
  'order.forbiddenTitle': 'Auftrag nicht verfügbar',
  'order.forbidden': 'Der Auftrag {id} gehört nicht zu Ihrem Konto (oder existiert nicht).',
  'order.back': 'Zurück zu Ihren Aufträgen',
  'upload.title': 'Dateien hochladen',
  'upload.pick': 'Dateien auswählen',
  'upload.drop': 'Dateien hierher ziehen',
  'upload.or': 'oder',
  'upload.dropHelp': 'Enter oder Leertaste öffnet die Dateiauswahl.',
  'upload.allowed': 'Erlaubt: {types} · höchstens {max} pro Datei',
  'upload.room': 'Raum',
  'upload.stack': 'Stack (optional)',
  'upload.stackHint': 'z. B. g001',
  'upload.queue': 'Uploads',
  'upload.queueEmpty': 'Noch keine Dateien ausgewählt.',
  'upload.summary': '{done} von {total} registriert',
  'upload.rejected': 'Nicht hochgeladen',
  'reject.type': '{name}: Dateityp „.{ext}“ ist nicht erlaubt (erlaubt: {types}).',
  'reject.noext': '{name}: Datei ohne Endung – nur {types} sind erlaubt.',
  'reject.size': '{name}: {size} ist größer als das Limit von {max}.',
  'reject.empty': '{name}: Die Datei ist leer.',
  'state.waiting': 'wartet…',
  'state.uploading': 'lädt hoch…',
  'state.uploaded': 'hochgeladen',
  'state.registered': 'registriert',
  'state.failed': 'fehlgeschlagen',
  'state.cancelled': 'abgebrochen',
  'action.retry': 'Erneut versuchen',
  'action.cancel': 'Abbrechen',
  'action.dismiss': 'Ausblenden',
  'detail.hashing': 'Prüfsumme wird berechnet…',
  'detail.queued': 'in der Warteschlange',
  'detail.duplicate': 'bereits im Auftrag vorhanden',
  'detail.retryIn': 'Verbindung unterbrochen – neuer Versuch in {s} s',
  'detail.newUrl': 'Upload-Link abgelaufen – neuer Link angefordert',
  'detail.missing': 'Datei kam nicht an – wird erneut hochgeladen',
  'detail.rateLimited': 'Kurz warten…',
  'detail.parts': 'Teil {n} von {total}',
  'error.network': 'Keine Verbindung zum Server.',
  'error.server': 'Der Server hat einen Fehler gemeldet ({status}).',
  'error.forbidden': 'Dieser Auftrag gehört nicht zu Ihrem Konto.',
  'error.tooLarge': 'Die Datei ist zu groß für den Server.',
  'error.type': 'Dieser Dateityp wird vom Server nicht angenommen.',
  'error.checksum': 'Die Prüfsumme stimmt nicht – die Datei hat sich beim Hochladen verändert.',
  'error.quota': 'Ihr Speicherplatz reicht nicht aus.',
  'error.urlExpired': 'Der Upload-Link ist mehrfach abgelaufen.',
  'error.missing': 'Die Datei kam mehrfach nicht beim Speicher an.',
  'error.read': 'Die Datei konnte nicht gelesen werden.',
  'gallery.title': 'Dateien im Auftrag',
  'gallery.empty': 'Dieser Auftrag enthält noch keine Dateien.',
  'gallery.count': '{count} Dateien · {size}',
  'gallery.stack': 'Stack {id}',
  'gallery.noStack': 'Einzelaufnahmen',
  'gallery.frames': '{count} Aufnahmen',
  'gallery.frame': '1 Aufnahme',
  'gallery.processing': 'Vorschau wird erstellt…',
  'gallery.noPreview': 'Keine Vorschau',
  'gallery.download': 'Herunterladen',
  'gallery.delete': 'Löschen',
  'gallery.confirmTitle': 'Datei löschen?',
  'gallery.confirmText': '„{name}“ wird aus dem Auftrag entfernt.',
  'gallery.confirmYes': 'Endgültig löschen',
  'gallery.confirmNo': 'Abbrechen',
  'gallery.deleteFailed': 'Löschen fehlgeschlagen.',
  'gallery.downloadFailed': 'Download nicht verfügbar.',
  'gallery.loadFailed': 'Die Dateiliste konnte nicht geladen werden.',
  'file.uploaded': 'registriert',
  'file.processing': 'wird verarbeitet',
  'file.ready': 'bereit',
  'file.failed': 'Verarbeitung fehlgeschlagen',
  'file.infected': 'infiziert',
  'room.livingroom': 'Wohnzimmer',
  'room.kitchen': 'Küche',
  'room.bedroom': 'Schlafzimmer',
  'room.bathroom': 'Bad',
  'room.diningroom': 'Esszimmer',
  'room.office': 'Arbeitszimmer',
  'room.hallway': 'Flur',
  'room.exterior': 'Außenansicht',
  'room.garden': 'Garten',
  'room.balcony': 'Balkon / Terrasse',
  'room.basement': 'Keller',
  'room.attic': 'Dachboden',
  'room.drone': 'Drohne',
  'room.floorplan': 'Grundriss',
  'room.unsorted': 'Ohne Raum',
};

export type MessageKey = keyof typeof de;
export type Messages = Record<MessageKey, string>;

const en: Messages = {
  'app.title': 'piximmo – Upload',
  'app.tagline': 'Upload photos and videos safely into your order',
  'nav.orders': 'Orders',
  'nav.signout': 'Sign out',
  'nav.language': 'Language',
  'signin.title': 'Sign in',
  'signin.intro': 'Sign in to upload photos and videos into your orders.',
  'signin.localUsers': 'Local development server: sign in as a test user',
  'signin.as': 'Sign in as {name}',
  'signin.token': 'Device token',
  'signin.tokenHint': 'The token from “piximmo login” or from your contact person.',
  'signin.submit': 'Sign in',
  'signin.failed': 'Sign-in failed: the token is unknown or revoked.',
  'signin.expired': 'Your session has expired. Please sign in again.',
  'signin.unknownUser': 'There is no such user.',
  'csrf.refused': 'Request refused: it did not come from this page.',
  'orders.title': 'Your orders',
  'orders.none': 'You have no orders yet.',
  'orders.files': '{count} files',
  'orders.open': 'Open',
  'order.title': 'Order {id}',
  'order.shoot': 'Shoot {code}',
  'order.forbiddenTitle': 'Order not available',
  'order.forbidden': 'Order {id} does not belong to your account (or does not exist).',
  'order.back': 'Back to your orders',
  'upload.title': 'Upload files',
  'upload.pick': 'Choose files',
  'upload.drop': 'Drop files here',
  'upload.or': 'or',
  'upload.dropHelp': 'Enter or Space opens the file picker.',
  'upload.allowed': 'Allowed: {types} · at most {max} per file',
  'upload.room': 'Room',
  'upload.stack': 'Stack (optional)',
  'upload.stackHint': 'e.g. g001',
  'upload.queue': 'Uploads',
  'upload.queueEmpty': 'No files chosen yet.',
  'upload.summary': '{done} of {total} registered',
  'upload.rejected': 'Not uploaded',
  'reject.type': '{name}: file type “.{ext}” is not allowed (allowed: {types}).',
  'reject.noext': '{name}: file without an extension – only {types} are allowed.',
  'reject.size': '{name}: {size} is larger than the limit of {max}.',
  'reject.empty': '{name}: the file is empty.',
  'state.waiting': 'waiting…',
  'state.uploading': 'uploading…',
  'state.uploaded': 'uploaded',
  'state.registered': 'registered',
  'state.failed': 'failed',
  'state.cancelled': 'cancelled',
  'action.retry': 'Retry',
  'action.cancel': 'Cancel',
  'action.dismiss': 'Dismiss',
  'detail.hashing': 'Computing checksum…',
  'detail.queued': 'queued',
  'detail.duplicate': 'already in the order',
  'detail.retryIn': 'Connection lost – next attempt in {s} s',
  'detail.newUrl': 'Upload link expired – requested a new one',
  'detail.missing': 'The file did not arrive – uploading it again',
  'detail.rateLimited': 'Waiting briefly…',
  'detail.parts': 'Part {n} of {total}',
  'error.network': 'No connection to the server.',
  'error.server': 'The server reported an error ({status}).',
  'error.forbidden': 'This order does not belong to your account.',
  'error.tooLarge': 'The file is too large for the server.',
  'error.type': 'The server does not accept this file type.',
  'error.checksum': 'The checksum does not match – the file changed while uploading.',
  'error.quota': 'Not enough storage space left.',
  'error.urlExpired': 'The upload link expired repeatedly.',
  'error.missing': 'The file repeatedly did not arrive in storage.',
  'error.read': 'The file could not be read.',
  'gallery.title': 'Files in this order',
  'gallery.empty': 'This order has no files yet.',
  'gallery.count': '{count} files · {size}',
  'gallery.stack': 'Stack {id}',
  'gallery.noStack': 'Single shots',
  'gallery.frames': '{count} frames',
  'gallery.frame': '1 frame',
  'gallery.processing': 'Preview being created…',
  'gallery.noPreview': 'No preview',
  'gallery.download': 'Download',
  'gallery.delete': 'Delete',
  'gallery.confirmTitle': 'Delete file?',
  'gallery.confirmText': '“{name}” will be removed from the order.',
  'gallery.confirmYes': 'Delete for good',
  'gallery.confirmNo': 'Cancel',
  'gallery.deleteFailed': 'Delete failed.',
  'gallery.downloadFailed': 'Download not available.',
  'gallery.loadFailed': 'The file list could not be loaded.',
  'file.uploaded': 'registered',
  'file.processing': 'processing',
  'file.ready': 'ready',
  'file.failed': 'processing failed',
  'file.infected': 'infected',
  'room.livingroom': 'Living room',
  'room.kitchen': 'Kitchen',
  'room.bedroom': 'Bedroom',
  'room.bathroom': 'Bathroom',
  'room.diningroom': 'Dining room',
  'room.office': 'Office',
  'room.hallway': 'Hallway',
  'room.exterior': 'Exterior',
  'room.garden': 'Garden',
  'room.balcony': 'Balcony / terrace',
  'room.basement': 'Basement',
  'room.attic': 'Attic',
  'room.drone': 'Drone',
  'room.floorplan': 'Floor plan',
  'room.unsorted': 'No room',
};

export const MESSAGES: Readonly<Record<Lang, Messages>> = { de, en };

/** Room types the page offers (SPEC folder layout aliases), in display order. */
export const WEB_ROOMS = [
  'livingroom', 'kitchen', 'diningroom', 'bedroom', 'bathroom', 'office', 'hallway', 'exterior', 'garden',
  'balcony', 'basement', 'attic', 'drone', 'floorplan', 'unsorted',
] as const;

/** Replaces `{k}` in `template` by `vars[k]`. */
export function fmt(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/**
 * The page language: `?lang=` or the `piximmo_lang` cookie when set (the switch), else the first of
 * Accept-Language's languages that is de or en (by q), else German (SPEC: German by default).
 */
export function chooseLang(explicit: string | undefined, acceptLanguage: string | undefined): Lang {
  if (explicit === 'de' || explicit === 'en') return explicit;
  if (!acceptLanguage) return 'de';
  const ranked = acceptLanguage
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { base: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if (r.base === 'de' || r.base === 'en') return r.base;
  return 'de';
}

/**
 * Human size in the SPEC's units: 1 MB = 1,048,576 bytes (SPEC: "250 MB = 262,144,000 bytes"), so the
 * page shows the limit as the SPEC and the server settings name it; 1 decimal below 10 units.
 */
export function formatBytes(bytes: number, lang: Lang): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 10 ? 0 : 1;
  return `${v.toLocaleString(lang === 'de' ? 'de-DE' : 'en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${units[u]}`;
}
