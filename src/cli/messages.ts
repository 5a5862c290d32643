/**
 * Words for the photographer: each failure code becomes what went wrong and what to do.
 * --json prints codes, never these sentences.
 */
import type { Failure, FileState } from '../core/events.js';
import { formatBytes } from './format.js';

export interface Explained {
  /** What went wrong, one sentence. */
  text: string;
  /** What to do about it. */
  hint: string;
}

const RETRY = 'Run the same command again; files already registered are not sent again.';

/** Explains a Failure. Unknown codes fall back to the raw detail. */
export function explain(f: Failure): Explained {
  const p = f.params ?? {};
  const size = typeof p.bytes === 'number' ? formatBytes(p.bytes) : '';
  const limit = typeof p.limit === 'number' ? formatBytes(p.limit) : 'the server limit';
  switch (f.code) {
    case 'NETWORK':
      return { text: `The connection failed after several tries (${f.detail}).`, hint: `Check the network. ${RETRY}` };
    case 'STALLED':
      return { text: 'The transfer stopped moving for 30 seconds, several times.', hint: `Check the network. ${RETRY}` };
    case 'SERVER_ERROR':
      return { text: `The server had a problem (${f.detail}).`, hint: `Try again in a few minutes. ${RETRY}` };
    case 'BAD_RESPONSE':
      return {
        text: 'The server answered something unexpected (perhaps a hotel login page or a proxy).',
        hint: `Open a web page to check the connection, then ${RETRY.charAt(0).toLowerCase()}${RETRY.slice(1)}`,
      };
    case 'FILE_TOO_LARGE':
      return { text: `The file is too large: ${size} (the limit is ${limit}).`, hint: 'Export it smaller or split the video; the other files go on.' };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { text: 'The server does not accept this type of file.', hint: 'Convert it to JPEG, HEIC, DNG, MP4 or MOV.' };
    case 'URL_REJECTED':
      return { text: 'The upload link expired or was refused three times.', hint: RETRY };
    case 'CHECKSUM_MISMATCH':
      return { text: 'The bytes that arrived do not match the file (it may be changing, or the disk is failing).', hint: `Copy the file again from the card. ${RETRY}` };
    case 'FILE_CHANGED':
    case 'FILE_CHANGING':
      return { text: 'The file kept changing while it was being uploaded.', hint: 'Wait until the copy has finished, then run the command again.' };
    case 'FILE_VANISHED':
      return { text: 'The file was deleted or moved after the scan.', hint: 'Put it back (or ignore this if it was meant), then run the command again.' };
    case 'FILE_UNREADABLE':
      return { text: `The file cannot be read (${f.detail}).`, hint: 'Check its permissions or the card, then run the command again.' };
    case 'EMPTY_FILE':
      return { text: 'The file is empty (0 bytes).', hint: 'Copy it again from the card.' };
    case 'NOT_A_FILE':
      return { text: 'The path is no longer a file.', hint: 'Check the folder, then run the command again.' };
    case 'OBJECT_MISSING':
      return { text: 'The server did not find the uploaded bytes, even after uploading again.', hint: RETRY };
    case 'KEY_FORBIDDEN':
      return { text: 'The server refused to register the file for this account.', hint: 'Check that you are logged in as the right user (piximmo whoami).' };
    case 'UNAUTHENTICATED':
      return { text: 'You are not logged in, or your login has expired.', hint: 'Run `piximmo login`, then run the same command again.' };
    case 'ORDER_FORBIDDEN':
      return {
        text: `Order ${p.order ?? ''} does not exist or is not yours.`.replace('  ', ' '),
        hint: 'Check the order number (piximmo orders lists yours).',
      };
    case 'MANIFEST_WRITE_FAILED':
      return { text: `The upload state could not be saved (${f.detail}).`, hint: 'Free some disk space, then run the same command again; nothing is lost.' };
    case 'VALIDATION_FAILED':
      return { text: `The server refused the request (${f.detail}).`, hint: 'This is a bug in piximmo or the server; please report it.' };
    default:
      return { text: f.detail, hint: RETRY };
  }
}

/** SPEC "Per file" states, as the user reads them. */
export const STATE_WORDS: Record<FileState, string> = {
  waiting: 'waiting',
  uploading: 'uploading',
  uploaded: 'uploaded',
  registered: 'registered',
  failed: 'failed',
};
