/**
 * The checks of one finalize before anything is written (SPEC "POST /api/uploads/finalize", SPEC v2
 * "Finalize is bound to its intent"), in this order: 403 KEY_FORBIDDEN when the key was not issued to the
 * caller (unknown keys too); 409 OBJECT_MISSING when the intent expired/aborted; 400 field "replaces"
 * (domain/replaces.ts); then the stored object — 409 OBJECT_MISSING when it is not in storage or its size
 * differs from the intent's or finalize's `bytes` (domain/finalize-binding.ts); 422 CHECKSUM_MISMATCH when
 * `checksum` differs from the intent's, or from the stored bytes' SHA-256; 502 STORAGE_ERROR when the
 * store cannot be asked. The object is looked at through the ObjectStore: the SHA-256 R2 recorded at put,
 * or — multipart on R2 — computed by reading the object once; an S3 HEAD reports it only when the store
 * keeps checksums (else the size alone is compared).
 * Reads only (the intent comes from the caller, so a batch looks its intents up in one query).
 */
import type { IntentRow } from '../db/intents.js';
import type { UserRow } from '../db/users.js';
import { HttpError } from '../lib/errors.js';
import type { ExifMeta } from '../../contract/api.js';
import type { ObjectStore } from '../storage/index.js';
import { checkBoundBytes } from './finalize-binding.js';
import { checkReplaceable } from './replaces.js';

/** The validated fields of one finalize body. */
export interface FinalizeFields {
  objectKey: string;
  /** Bytes. */
  bytes: number;
  /** SHA-256 lower-case hex, or undefined (the intent's is used then). */
  declared: string | undefined;
  exif: ExifMeta | undefined;
  /** SPEC v2: file_id of the version this upload supersedes. */
  replaces: string | undefined;
}

/** A finalize that passed every check: what is written. */
export interface CheckedFinalize {
  fields: FinalizeFields;
  intent: IntentRow;
  /** The SHA-256 the file row gets (declared, else the intent's, else the stored one), or null. */
  checksum: string | null;
  /** The file this one supersedes (SPEC v2 `replaces`), or null. */
  replacedId: string | null;
}

function mismatch(objectKey: string, expected: string, actual: string, what: string): HttpError {
  return new HttpError('CHECKSUM_MISMATCH', `${objectKey}: ${what}`, { object_key: objectKey, expected, actual });
}

/** Checks one finalize of `user` against its `intent` (null = no intent under the key). Throws HttpError. */
export async function checkFinalize(
  db: D1Database,
  store: ObjectStore,
  user: UserRow,
  f: FinalizeFields,
  intent: IntentRow | null | undefined,
): Promise<CheckedFinalize> {
  const { objectKey, bytes, declared, replaces } = f;
  if (!intent || intent.user_id !== user.id) {
    throw new HttpError('KEY_FORBIDDEN', `object_key ${objectKey} was not issued to you`, { object_key: objectKey });
  }
  if (intent.status === 'expired' || intent.status === 'aborted') {
    throw new HttpError('OBJECT_MISSING', `${objectKey}: the upload ${intent.status}; request a new intent`, {
      object_key: objectKey,
      intent_status: intent.status,
    });
  }
  const replaced = replaces ? await checkReplaceable(db, replaces, { userId: user.id, orderId: intent.order_id, objectKey }) : null;
  const head = await store.head(objectKey);
  checkBoundBytes(intent, bytes, head);
  if (!head || head.size !== bytes) {
    throw new HttpError(
      'OBJECT_MISSING',
      head ? `${objectKey}: stored object is ${head.size} bytes, not ${bytes}` : `${objectKey}: no object in storage; upload it first`,
      { object_key: objectKey, expected_bytes: bytes, stored_bytes: head ? head.size : null },
    );
  }
  if (declared && intent.checksum && declared !== intent.checksum) {
    throw mismatch(objectKey, intent.checksum, declared, 'checksum differs from the one given at intent');
  }
  const want = declared ?? intent.checksum;
  let stored = head.sha256;
  if (!stored && want && store.hashByRead) {
    stored = await store.hashByRead(objectKey);
    if (stored === null) throw new HttpError('OBJECT_MISSING', `${objectKey}: object vanished`, { object_key: objectKey });
  }
  if (want && stored && want !== stored) throw mismatch(objectKey, want, stored, 'stored bytes do not hash to the declared SHA-256');
  return { fields: f, intent, checksum: want ?? stored ?? null, replacedId: replaced?.id ?? null };
}
