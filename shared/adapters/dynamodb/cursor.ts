import { InvalidRequestError } from '../../domain/errors.ts';
import type { TableKey } from './keys.ts';

/**
 * Page cursors are opaque to clients: base64url of the key to resume after. Because a cursor is
 * client input, a decoded one is trusted only when it points into the partition (and the kind of
 * item) of the list it is used on: a cursor from another workspace, or from another list, is refused.
 */

export function encodeCursor(key: TableKey): string {
  return Buffer.from(JSON.stringify({ PK: key.PK, SK: key.SK }), 'utf8').toString('base64url');
}

function invalidCursor(): InvalidRequestError {
  return new InvalidRequestError('The cursor is not valid.', [
    { path: 'cursor', message: 'is not a valid cursor' },
  ]);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Every listed item's sort key ends in one of our ids (`AGENT#agent_01J…`). */
const ID_SUFFIX = /^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$/;
/** Far above any cursor encodeCursor makes (≈110 characters): a longer one is not decoded. */
const CURSOR_MAX_LENGTH = 512;

/** The key to resume after, checked to lie in `partition` with a sort key starting with `skPrefix`. */
export function decodeCursor(cursor: string, expected: { partition: string; skPrefix: string }): TableKey {
  if (cursor.length > CURSOR_MAX_LENGTH || !BASE64URL.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { PK, SK } = parsed as Record<string, unknown>;
  if (typeof PK !== 'string' || typeof SK !== 'string') throw invalidCursor();
  if (
    PK !== expected.partition ||
    !SK.startsWith(expected.skPrefix) ||
    // Only a key of our own shape: a crafted one (a `#`, over DynamoDB's 1 KB key size) is not valid.
    !ID_SUFFIX.test(SK.slice(expected.skPrefix.length))
  ) {
    throw invalidCursor();
  }
  return { PK, SK };
}
