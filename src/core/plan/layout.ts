/**
 * Folder layout → room_type and stack_id (SPEC "Folder layout → room_type and stack_id"):
 * `<shoot>/<room>/<stack>/<file>`, `<shoot>/<room>/<file>`, `<shoot>/<file>`.
 * Where no stack folder exists, `stack_id` is null and EXIF grouping decides (src/core/plan/brackets.ts).
 */
import { stackName } from '../../contract/stack-id.js';
import { aliasKey, ROOM_ALIASES, slugify } from './room-aliases.js';

/** Where a file belongs, from its folders alone. */
export interface Placement {
  /** Canonical room type, `[a-z0-9-]` (e.g. "livingroom", or the slug of an unknown name: "wine-cellar"). */
  room_type: string;
  /** "g003" from a stack folder; null when there is no stack folder (grouping decides). */
  stack_id: string | null;
  /** SPEC v2: the room folder's name as the photographer wrote it (NFC, e.g. "Schlafzimmer 2"); absent without a room folder. */
  room_label?: string;
}

/** Room used when the layout names none (SPEC "API": the server's default room_type). */
export const DEFAULT_ROOM = 'unsorted';

/**
 * Prefixes of stack folder names ("g3", "Stack 3", "Reihe 3" = German for series, "Belichtungsreihe",
 * "Serie", "Gruppe", "bracket", "group", "set"), then an optional separator (space, `-`, `_`, `.`) and the
 * number. A bare number ("003") is a stack folder too.
 */
const STACK_FOLDER = /^(?:g|stack|reihe|belichtungsreihe|serie|series|gruppe|group|bracket|set)?[\s._-]*(\d{1,6})$/i;

/**
 * Camera-card folders (DCF, the standard all cameras follow): `DCIM`, its `NNNXXXXX` subfolders
 * (`100CANON`, `101MSDCF`, `100_FUJI`, `100GOPRO`, `100MEDIA`), and the card's side folders `MISC`
 * (print orders), `PRIVATE` (Sony/Panasonic video), `AVCHD`, `M4ROOT`. Such folders name no room.
 */
const CARD_FOLDER = /^(?:dcim|misc|private|avchd|m4root|\d{3}[a-z0-9_]{5})$/i;

/**
 * Stack id from a stack folder name: 'g3', 'G003', 'stack-3', 'Stack 3', '003', 'Stack_03', 'Reihe 3'
 * → 'g003' (the number zero-padded to at least 3 digits); anything else → null.
 */
export function parseStackFolder(name: string): string | null {
  const m = STACK_FOLDER.exec(name.normalize('NFC').trim());
  if (!m) return null;
  return stackName(Number(m[1]));
}

/**
 * Canonical room type of a room folder name.
 *
 * The name is slugged (see `slugify`: case, German ä/ö/ü/ß → ae/oe/ue/ss, accents, separators `_`/space/`.`
 * → `-`), then looked up with and without its trailing number ("Bad 2" → "bad" → bathroom):
 * first in `aliases` (user table; its keys are slugged the same way, its values slugged too), then in the
 * built-in English/German table (src/core/plan/room-aliases.ts). Unknown names keep their full slug
 * ("Wine Cellar" → "wine-cellar", "Gästehaus 2" → "gaestehaus-2"); a name with no letters or digits
 * becomes "unsorted".
 */
export function normalizeRoom(folderName: string, aliases?: Record<string, string>): string {
  const slug = slugify(folderName);
  if (slug === '') return DEFAULT_ROOM;
  const key = aliasKey(slug);
  if (aliases) {
    const user = userAliasTable(aliases);
    const hit = user.get(slug) ?? user.get(key);
    if (hit) return hit;
  }
  return ROOM_ALIASES[slug] ?? ROOM_ALIASES[key] ?? slug;
}

/** The user's alias table with keys and values slugged; a key also answers without its trailing number. */
function userAliasTable(aliases: Record<string, string>): Map<string, string> {
  const table = new Map<string, string>();
  for (const [from, to] of Object.entries(aliases)) {
    const target = slugify(to);
    if (target === '') continue;
    const slug = slugify(from);
    table.set(slug, target);
    // "Bad 2" as a key answers "bad-2" exactly; its stripped key "bad" only when no other key claims it.
    if (!table.has(aliasKey(slug))) table.set(aliasKey(slug), target);
  }
  return table;
}

/**
 * Room and stack of a file from its path relative to the shoot root (posix, e.g. "Küche/Stack 2/IMG_0412.JPG").
 *
 * - `<file>` → room `defaultRoom ?? 'unsorted'`, stack null.
 * - `<room>/<file>` → that room, stack null.
 * - `<room>/<stack>/…/<file>` → that room and the first folder below it that is a stack name
 *   ({@link parseStackFolder}); stack null when none is (e.g. `Wohnzimmer/Auswahl/IMG.JPG`).
 * - `<stack>/<file>` (a stack folder at the top, e.g. "g3/IMG.JPG") → default room, that stack.
 * - camera-card layouts (first folder `DCIM`, `MISC`, `PRIVATE`, or a DCF folder like `100CANON`)
 *   → default room, stack null.
 */
export function placeFile(relPath: string, opts: { aliases?: Record<string, string>; defaultRoom?: string } = {}): Placement {
  // `--room Wohnzimmer` goes through the same alias table as a room folder.
  const defaultRoom = opts.defaultRoom === undefined ? DEFAULT_ROOM : normalizeRoom(opts.defaultRoom, opts.aliases) || DEFAULT_ROOM;
  const folders = relPath.split('/').slice(0, -1).filter((s) => s !== '' && s !== '.');
  if (folders.length === 0 || CARD_FOLDER.test(folders[0])) return { room_type: defaultRoom, stack_id: null };
  const topStack = parseStackFolder(folders[0]);
  if (topStack) return { room_type: defaultRoom, stack_id: topStack };
  const room_type = normalizeRoom(folders[0], opts.aliases);
  let stack_id: string | null = null;
  for (const folder of folders.slice(1)) {
    stack_id = parseStackFolder(folder);
    if (stack_id) break;
  }
  return { room_type, stack_id, room_label: folders[0].normalize('NFC').slice(0, 100) };
}
