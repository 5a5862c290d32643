/**
 * Room folder names → canonical room types (SPEC "Folder layout → room_type and stack_id":
 * "Room folder names are normalised (case, accents, separators, trailing numbers) and mapped through
 * an alias table in English and German").
 *
 * Canonical room types are slugs `[a-z0-9-]` (the server slugs `room_type` the same way, SPEC "API").
 * Decision: a terrace is its own type (`terrace`: Terrasse, patio), not a balcony — German listings
 * (and buyers) tell Balkon and Terrasse apart.
 */
import { slugify } from '../../contract/slug.js';

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

/**
 * A folder name as a slug `[a-z0-9-]`: the one slug function of client and server (src/contract/slug.ts:
 * German ä/ö/ü/ß → ae/oe/ue/ss, other letters transliterated, separators → `-`). May return "" (e.g. "!!!").
 */
export { slugify };

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
