/**
 * One ISO-BMFF box header reader (ISO/IEC 14496-12 §4.2; QuickTime atoms are the same): 32-bit size + 4-char
 * type; size 1 = a 64-bit size follows (16-byte header), size 0 = the box runs to the end of its container.
 * Used by every box walker: the EXIF finder in HEIF/CR3 (exif-source.ts), the QuickTime reader
 * (exif-quicktime.ts) and the container check (plan/integrity-bmff.ts).
 */

/** A box found at `start`: payload `body…end` (byte offsets in the file). */
export interface BoxHeader {
  type: string;
  start: number;
  /** First payload byte (start + 8 or + 16). */
  body: number;
  /** One past the last byte. */
  end: number;
}

/** Why no box could be read: header cut short, size below its header, or the box passes its container. */
export type BoxProblem = 'cut' | 'invalid' | 'overruns';

/**
 * The box whose header `head` (≥ 8 bytes read at `offset`, 16 for a 64-bit size) starts, inside a container
 * ending at `to`; or the problem.
 */
export function boxAt(head: Buffer, offset: number, to: number): BoxHeader | BoxProblem {
  if (head.length < 8 || to - offset < 8) return 'cut';
  let size = head.readUInt32BE(0);
  let header = 8;
  if (size === 1) {
    if (head.length < 16) return 'cut';
    size = Number(head.readBigUInt64BE(8));
    header = 16;
  } else if (size === 0) {
    size = to - offset;
  }
  if (size < header) return 'invalid';
  if (offset + size > to) return 'overruns';
  return { type: head.toString('latin1', 4, 8), start: offset, body: offset + header, end: offset + size };
}
