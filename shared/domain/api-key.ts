import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are bearer secrets: `bck_` + 32 random bytes (base64url). Only their SHA-256 is stored,
 * so a leaked table does not leak usable keys. A fast hash is right here (unlike passwords):
 * the key has 256 bits of entropy, so there is nothing to brute-force.
 */
const KEY_PREFIX = 'bck_';
// Keys we issue match `bck_…`, but local mode may adopt any key given in BATCH_CALLS_API_KEY, so a
// well-formed bearer token is simply 8–256 visible ASCII characters.
const KEY_PATTERN = /^[\x21-\x7e]{8,256}$/;

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function isWellFormedApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What a key list shows to recognise a key: its first 10 characters. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, 10);
}

/** Reads `Authorization: Bearer <key>`; null when absent or not a bearer token. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
