/**
 * Room folder names → canonical room types (SPEC "Folder layout → room_type and stack_id":
 * "Room folder names are normalised (case, accents, separators, trailing numbers) and mapped through
 * an alias table in English and German").
 *
 * Canonical room types are slugs `[a-z0-9-]` (the server slugs `room_type` the same way, SPEC "API").
 * Decision: a terrace is its own type (`terrace`: Terrasse, patio), not a balcony — German listings
 * (and buyers) tell Balkon and Terrasse apart.
 */

/** Canonical room types this table maps to. */
export const CANONICAL_ROOMS = [
  'livingroom',
  'kitchen',
  'bathroom',
  'bedroom',
  'diningroom',
  'office',
  'hallway',
  'exterior',
  'garden',
  'balcony',
  'terrace',
  'basement',
  'attic',
  'garage',
  'drone',
  'floorplan',
] as const;

export type CanonicalRoom = (typeof CANONICAL_ROOMS)[number];

/** Spellings per canonical room, as people write them (normalised by {@link slugify} on load). */
const SPELLINGS: Record<CanonicalRoom, readonly string[]> = {
  livingroom: ['Wohnzimmer', 'Wohnbereich', 'Wohnraum', 'living', 'living room', 'livingroom', 'lounge', 'sitting room', 'family room'],
  kitchen: ['Küche', 'Kueche', 'Kuche', 'Wohnküche', 'kitchen', 'Kochnische'],
  bathroom: ['Bad', 'Badezimmer', 'Duschbad', 'Gästebad', 'Gäste-WC', 'WC', 'Toilette', 'bath', 'bathroom', 'toilet', 'restroom', 'guest WC'],
  bedroom: ['Schlafzimmer', 'Kinderzimmer', 'Gästezimmer', 'bed', 'bedroom', 'guest room', 'master bedroom', 'nursery'],
  diningroom: ['Esszimmer', 'Essbereich', 'dining', 'dining room', 'diningroom'],
  office: ['Arbeitszimmer', 'Büro', 'office', 'study', 'home office'],
  hallway: ['Flur', 'Diele', 'Eingang', 'Eingangsbereich', 'Korridor', 'entrance', 'entry', 'hall', 'hallway', 'corridor', 'foyer'],
  exterior: ['Außen', 'Aussen', 'Außenansicht', 'Aussenansicht', 'Außenbereich', 'Fassade', 'Ansicht', 'outside', 'exterior', 'facade', 'façade', 'front'],
  garden: ['Garten', 'garden', 'yard', 'backyard'],
  balcony: ['Balkon', 'Loggia', 'balcony'],
  terrace: ['Terrasse', 'Dachterrasse', 'terrace', 'patio', 'deck'],
  basement: ['Keller', 'Kellerraum', 'Untergeschoss', 'basement', 'cellar'],
  attic: ['Dachboden', 'Speicher', 'attic'],
  garage: ['Garage', 'Tiefgarage', 'Carport', 'garage'],
  drone: ['Drohne', 'Luftaufnahme', 'Luftaufnahmen', 'Luftbild', 'drone', 'aerial', 'aerials'],
  floorplan: ['Grundriss', 'Grundrisse', 'floorplan', 'floor plan', 'plan'],
};

/** German letters spelled out before accents are folded ("Küche" → "kueche", "Außen" → "aussen"). */
const GERMAN: Readonly<Record<string, string>> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss' };

/**
 * A folder name as a slug `[a-z0-9-]`: NFC, lower-case, German ä/ö/ü/ß spelled out (ae/oe/ue/ss),
 * other accents folded ("é" → "e"), every run of other characters (space, `_`, `.`, …) → one `-`,
 * no leading/trailing `-`. May return "" (e.g. for "!!!").
 */
export function slugify(name: string): string {
  return name
    .normalize('NFC')
    .toLowerCase()
    .replace(/[äöüß]/g, (c) => GERMAN[c])
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The alias-lookup key of a slug: a trailing room number dropped ("bad-2" → "bad",
 * "schlafzimmer1" → "schlafzimmer"); a slug that is only a number stays as it is.
 */
export function aliasKey(slug: string): string {
  const stripped = slug.replace(/-?\d+$/, '');
  return stripped === '' ? slug : stripped;
}

function buildTable(): Readonly<Record<string, CanonicalRoom>> {
  const table: Record<string, CanonicalRoom> = {};
  for (const room of CANONICAL_ROOMS) {
    table[room] = room;
    for (const spelling of SPELLINGS[room]) table[slugify(spelling)] = room;
  }
  return table;
}

/** Built-in alias table: slug of a spelling → canonical room (keys are slugify()'d, no trailing numbers). */
export const ROOM_ALIASES: Readonly<Record<string, CanonicalRoom>> = buildTable();
