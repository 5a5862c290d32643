/**
 * One slug function for client and server (issue 9 / 10, src/contract/slug.ts): the slug table gives the
 * same slug on the client (room folder → room_type) and on the server (intent room_type → object key).
 */
import { describe, expect, it } from 'vitest';
import { slugify } from '../../src/contract/slug.js';
import { normalizeRoom } from '../../src/core/plan/layout.js';
import { slugify as clientSlugify } from '../../src/core/plan/room-aliases.js';
import { buildObjectKey, roomSlug, slug as serverSlug, stackSlug } from '../../src/server/lib/object-key.js';

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

  it('the server\'s path: the object key built from the intent\'s room_type / stack_id holds the client\'s slug', () => {
    for (const [name, want] of TABLE) {
      const key = buildObjectKey({
        userId: 'u1',
        orderId: 'ORD-1',
        shootcode: 'SH1',
        roomType: roomSlug(name),
        stackId: stackSlug(name),
        version: 1,
        filename: 'a.jpg',
        at: new Date('2025-11-10T12:00:00Z'),
      });
      const client = clientSlugify(name);
      expect(client).toBe(want);
      expect(key).toBe(`user/u1/orders/ORD-1/raw/2025-11-10_SH1_${client || 'unsorted'}_${client || 's000'}_v1.jpg`);
    }
  });

  it('caps at 64 characters without a trailing "-"', () => {
    const long = slugify(`${'a'.repeat(63)} b`);
    expect(long).toBe('a'.repeat(63));
  });
});
