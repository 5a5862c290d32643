/**
 * Builders of synthetic RAW layouts for tests (the shared samples are stripped of their previews):
 * a little TIFF writer (CR2/NEF/ARW/DNG/ORF/RW2 are TIFF inside) and ISO-BMFF boxes (CR3).
 */

/**
 * A TIFF with the given IFDs of [tag, type, count, value] entries (a Buffer value is placed after the IFDs
 * and its offset written), then `trailer` blobs, whose offsets are returned (lay out once with zeros to
 * learn them, then again with the real offsets). IFD0 chains to IFD1 when `chain`; further IFDs are
 * reachable only through pointers (SubIFDs).
 */
export function tiff(
  le: boolean,
  magic: number,
  ifds: Array<Array<[number, number, number, number | Buffer]>>,
  trailer: Buffer[] = [],
  chain = true,
): { file: Buffer; offsets: number[] } {
  const w16 = (b: Buffer, at: number, v: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const w32 = (b: Buffer, at: number, v: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  let at = 8;
  const ifdAt = ifds.map((e) => {
    const o = at;
    at += ifdSize(e.length);
    return o;
  });
  const blobs: Buffer[] = [];
  const blobAt = (b: Buffer) => {
    const o = at;
    blobs.push(b);
    at += b.length;
    return o;
  };
  const trailerAt = trailer.map(blobAt);
  const head = Buffer.alloc(ifdAt.length ? ifdAt[ifdAt.length - 1] + ifdSize(ifds[ifds.length - 1].length) : 8);
  head.write(le ? 'II' : 'MM', 0, 'latin1');
  w16(head, 2, magic);
  w32(head, 4, ifdAt[0]);
  ifds.forEach((entries, i) => {
    const o = ifdAt[i];
    w16(head, o, entries.length);
    entries.forEach(([tag, type, count, v], j) => {
      const e = o + 2 + j * 12;
      w16(head, e, tag);
      w16(head, e + 2, type);
      w32(head, e + 4, count);
      if (Buffer.isBuffer(v)) w32(head, e + 8, blobAt(v));
      else if (type === 3 && count === 1) w16(head, e + 8, v);
      else w32(head, e + 8, v);
    });
    // IFD0 → IFD1 when `chain`; further IFDs are reachable only through pointers (SubIFDs).
    w32(head, o + 2 + entries.length * 12, chain && i === 0 && ifdAt.length > 1 ? ifdAt[1] : 0);
  });
  return { file: Buffer.concat([head, ...blobs]), offsets: trailerAt };
}


/** An ISO-BMFF box: 32-bit size, type, body. */
export function isoBox(type: string, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(8 + b.length, 0);
  h.write(type, 4, 'latin1');
  return Buffer.concat([h, b]);
}

/** A CR3-like file: ftyp, moov/uuid with CMT1 (IFD0 Orientation `orientation`) and THMB, uuid with PRVW, mdat. */
export function cr3Like(preview: Buffer, thumb: Buffer, orientation: number): Buffer {
  const cmt1 = tiff(true, 42, [[[0x0112, 3, 1, orientation]]]).file;
  return Buffer.concat([
    isoBox('ftyp', Buffer.from('crx \x00\x00\x00\x01crx isom', 'latin1')),
    isoBox('moov', isoBox('uuid', Buffer.alloc(16), isoBox('CMT1', cmt1), isoBox('THMB', Buffer.alloc(16), thumb))),
    isoBox('uuid', Buffer.alloc(16), Buffer.alloc(8), isoBox('PRVW', Buffer.alloc(16), preview)),
    isoBox('mdat', Buffer.alloc(64)),
  ]);
}

/** A CR2-like file: IFD0 = the preview strip (compression 6) with Orientation, IFD1 = the thumbnail. */
export function cr2Like(preview: Buffer, thumb: Buffer, orientation: number): Buffer {
  const layout = (pAt: number, tAt: number) =>
    tiff(true, 42, [
      [[0x0103, 3, 1, 6], [0x0111, 4, 1, pAt], [0x0112, 3, 1, orientation], [0x0117, 4, 1, preview.length]],
      [[0x0201, 4, 1, tAt], [0x0202, 4, 1, thumb.length]],
    ], [preview, thumb]);
  const [pAt, tAt] = layout(0, 0).offsets;
  return layout(pAt, tAt).file;
}
