import { describe, expect, it } from 'vitest';
import { normalizeRoom, parseStackFolder, placeFile } from '../../src/core/plan/layout.js';
import { CANONICAL_ROOMS, ROOM_ALIASES, slugify } from '../../src/core/plan/room-aliases.js';

describe('normalizeRoom: built-in English/German aliases', () => {
  const cases: Record<string, string[]> = {
    livingroom: ['Wohnzimmer', 'living', 'Living Room', 'living-room', 'living_room', 'Lounge', 'Wohnbereich', 'LIVINGROOM'],
    kitchen: ['Küche', 'Kueche', 'KÜCHE', 'kitchen', 'Kitchen 2'],
    bathroom: ['Bad', 'Badezimmer', 'bath', 'WC', 'Gäste-WC', 'Gäste WC', 'Gaeste_WC', 'Bad 2', 'bathroom'],
    bedroom: ['Schlafzimmer', 'Schlafzimmer 1', 'Schlafzimmer_1', 'Schlafzimmer2', 'Kinderzimmer', 'bed', 'Bedroom 3'],
    diningroom: ['Esszimmer', 'dining', 'Dining Room'],
    office: ['Arbeitszimmer', 'Büro', 'Buero', 'office'],
    hallway: ['Flur', 'Diele', 'Eingang', 'entrance', 'hall', 'Hallway'],
    exterior: ['Außen', 'Aussen', 'AUSSEN', 'Aussenansicht', 'Außenansicht', 'outside', 'facade', 'Fassade'],
    garden: ['Garten', 'garden'],
    balcony: ['Balkon', 'balcony'],
    terrace: ['Terrasse', 'terrace'],
    basement: ['Keller', 'basement'],
    attic: ['Dachboden', 'attic'],
    garage: ['Garage', 'garage'],
    drone: ['Drohne', 'aerial', 'Luftaufnahme', 'Luftaufnahmen', 'drone'],
    floorplan: ['Grundriss', 'floorplan', 'Floor Plan'],
  };
  for (const [room, spellings] of Object.entries(cases)) {
    it.each(spellings)(`%s → ${room}`, (spelling) => {
      expect(normalizeRoom(spelling)).toBe(room);
    });
  }

  it('handles decomposed (NFD, as macOS stores names) umlauts like composed ones', () => {
    expect(normalizeRoom('Ku\u0308che')).toBe('kitchen');
    expect(normalizeRoom('Au\u00dfen'.normalize('NFD'))).toBe('exterior');
  });

  it('keeps the slug of unknown rooms, with their number', () => {
    expect(normalizeRoom('Wine Cellar')).toBe('wine-cellar');
    expect(normalizeRoom('Hobbyraum')).toBe('hobbyraum');
    expect(normalizeRoom('Gästehaus 2')).toBe('gaestehaus-2');
    expect(normalizeRoom('Salle à manger.old')).toBe('salle-a-manger-old');
    expect(normalizeRoom('!!!')).toBe('unsorted');
  });

  it('lets user aliases win over the built-in table, keys normalised the same way', () => {
    const aliases = { 'Bad 2': 'Guest Bathroom', Küche: 'kitchenette', 'Wine Cellar': 'basement' };
    expect(normalizeRoom('bad_2', aliases)).toBe('guest-bathroom');
    expect(normalizeRoom('Bad 3', aliases)).toBe('guest-bathroom'); // stripped key "bad" also maps
    expect(normalizeRoom('KÜCHE', aliases)).toBe('kitchenette');
    expect(normalizeRoom('wine-cellar', aliases)).toBe('basement');
    expect(normalizeRoom('Wohnzimmer', aliases)).toBe('livingroom');
  });

  it('maps every canonical room to itself and only to canonical rooms', () => {
    for (const room of CANONICAL_ROOMS) expect(normalizeRoom(room)).toBe(room);
    for (const [key, room] of Object.entries(ROOM_ALIASES)) {
      expect(key).toMatch(/^[a-z0-9-]+$/);
      expect(CANONICAL_ROOMS).toContain(room);
    }
  });

  it('slugify folds accents and German letters and collapses separators', () => {
    expect(slugify('  Gäste_WC . Öst ')).toBe('gaeste-wc-oest');
    expect(slugify('Straße')).toBe('strasse');
    expect(slugify('Façade')).toBe('facade');
  });
});

describe('parseStackFolder', () => {
  it.each(['g3', 'G003', 'stack-3', 'Stack 3', '003', 'Stack_03', 'Reihe 3', 'STACK3', 'g03', ' 3 ', 'stack.3'])('%s → g003', (name) => {
    expect(parseStackFolder(name)).toBe('g003');
  });
  it('pads to three digits and keeps longer numbers', () => {
    expect(parseStackFolder('g12')).toBe('g012');
    expect(parseStackFolder('Stack 1234')).toBe('g1234');
    expect(parseStackFolder('Belichtungsreihe 7')).toBe('g007');
  });
  it.each(['Wohnzimmer', 'g', 'stack', 'g3a', '3g', '100CANON', 'HDR', 'Auswahl', '', 'stack 3 old'])('%s → null', (name) => {
    expect(parseStackFolder(name)).toBeNull();
  });
});

describe('placeFile', () => {
  it('reads <room>/<stack>/<file>', () => {
    expect(placeFile('Wohnzimmer/g1/IMG_0412.JPG')).toMatchObject({ room_type: 'livingroom', stack_id: 'g001' });
    expect(placeFile('Küche/Stack 2/IMG_0415.JPG')).toMatchObject({ room_type: 'kitchen', stack_id: 'g002' });
    expect(placeFile('Bad/003/IMG_1.CR3')).toMatchObject({ room_type: 'bathroom', stack_id: 'g003' });
    expect(placeFile('Schlafzimmer 1/stack-4/a.jpg')).toMatchObject({ room_type: 'bedroom', stack_id: 'g004' });
    expect(placeFile('Außen/G005/a.jpg')).toMatchObject({ room_type: 'exterior', stack_id: 'g005' });
    expect(placeFile('Esszimmer/Reihe 6/a.jpg')).toMatchObject({ room_type: 'diningroom', stack_id: 'g006' });
  });

  it('reads <room>/<file> with stack null (grouping decides)', () => {
    expect(placeFile('Arbeitszimmer/IMG_0438.JPG')).toMatchObject({ room_type: 'office', stack_id: null });
    expect(placeFile('Wine Cellar/x.jpg')).toMatchObject({ room_type: 'wine-cellar', stack_id: null });
  });

  it('uses the room and stack null when the subfolder is not a stack name', () => {
    expect(placeFile('Wohnzimmer/Auswahl/IMG_1.JPG')).toMatchObject({ room_type: 'livingroom', stack_id: null });
  });

  it('finds the stack folder below another subfolder', () => {
    expect(placeFile('Wohnzimmer/RAW/g2/IMG_1.CR3')).toMatchObject({ room_type: 'livingroom', stack_id: 'g002' });
  });

  it('puts files at the shoot root into the default room', () => {
    expect(placeFile('IMG_0001.JPG')).toMatchObject({ room_type: 'unsorted', stack_id: null });
    expect(placeFile('IMG_0001.JPG', { defaultRoom: 'Wohnzimmer Süd' })).toMatchObject({ room_type: 'wohnzimmer-sued', stack_id: null });
  });

  it('treats a stack folder at the top as a stack of the default room', () => {
    expect(placeFile('g7/IMG_1.JPG')).toMatchObject({ room_type: 'unsorted', stack_id: 'g007' });
  });

  it.each(['DCIM/100CANON/IMG_0001.JPG', 'DCIM/101MSDCF/DSC00001.ARW', '100_FUJI/DSCF0001.RAF', 'MISC/x.jpg', 'dcim/100GOPRO/GX010001.MP4', 'PRIVATE/M4ROOT/CLIP/C0001.MP4', '100CANON/IMG_1.CR3'])(
    'camera-card layout %s → default room, no stack',
    (relPath) => {
      expect(placeFile(relPath)).toMatchObject({ room_type: 'unsorted', stack_id: null });
      expect(placeFile(relPath, { defaultRoom: 'kitchen' })).toMatchObject({ room_type: 'kitchen', stack_id: null });
    },
  );

  it('applies user aliases', () => {
    expect(placeFile('Gästezimmer/g1/a.jpg', { aliases: { Gästezimmer: 'guestroom' } })).toMatchObject({ room_type: 'guestroom', stack_id: 'g001' });
  });
});

describe('room_label (SPEC v2): the room folder as written', () => {
  it('keeps the name of the room folder, none without one', () => {
    expect(placeFile('Schlafzimmer 2/Stack 1/a.jpg')).toEqual({ room_type: 'bedroom', stack_id: 'g001', room_label: 'Schlafzimmer 2' });
    expect(placeFile('Ku\u0308che/a.jpg').room_label).toBe('Küche'); // NFC
    expect(placeFile('IMG_0001.JPG').room_label).toBeUndefined();
    expect(placeFile('DCIM/100CANON/IMG_0001.JPG').room_label).toBeUndefined();
  });
});
