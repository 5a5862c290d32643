/**
 * One slug function for client and server (issue 9 / 10, src/contract/slug.ts): the slug table gives the
 * same slug on the client (room folder → room_type) and on the server (intent room_type → object key).
 */
import { describe, expect, it } from 'vitest';
import { slugify } from '../../src/contract/slug.js';
import { normalizeRoom } from '../../src/core/plan/layout.js';
import { slugify as clientSlugify } from '../../src/core/plan/room-aliases.js';
import { roomSlug, slug as serverSlug } from '../../src/server/lib/object-key.js';

const TABLE: [string, string][] = [
  ['Gästehaus', 'gaestehaus'],
  ['Køkken', 'kokken'],
  ['Łazienka', 'lazienka'],
  ['Œuvre', 'oeuvre'],
  ['Wine Cellar', 'wine-cellar'],
  ['Schlafzimmer 1', 'schlafzimmer-1'],
  ['Dıştan', 'distan'],
  ['ÄUSSERES', 'aeusseres'],
  ['Straße', 'strasse'],
  ['WineCellar', 'winecellar'],
  ['Ku\u0308che', 'kueche'], // NFD as macOS writes it
  ['!!!', ''],
];

describe('slug table: client and server agree', () => {
  it.each(TABLE)('%s → %s', (name, want) => {
    expect(slugify(name)).toBe(want);
    expect(clientSlugify(name)).toBe(want);
    expect(serverSlug(name)).toBe(want);
  });

  it('an unknown room folder keeps its slug on the client, and the server keeps the client slug as it is', () => {
    for (const [name, want] of TABLE.filter(([, w]) => w !== '' && !w.startsWith('schlafzimmer'))) {
      const client = normalizeRoom(name);
      expect(client).toBe(want === 'kueche' ? 'kitchen' : want);
      expect(roomSlug(client)).toBe(client);
      expect(roomSlug(name)).toBe(want); // a v1 client sending the folder name gets the same slug
    }
    expect(normalizeRoom('Schlafzimmer 1')).toBe('bedroom');
  });

  it('caps at 64 characters without a trailing "-"', () => {
    const long = slugify(`${'a'.repeat(63)} b`);
    expect(long).toBe('a'.repeat(63));
  });
});
