import { parsePhoneNumberWithError } from 'libphonenumber-js/core';
// libphonenumber's full ("max") metadata: validity by each country's number patterns. A function
// bundle reads it from a data file beside the bundle instead of carrying it as code (infra/bundling.ts,
// PHONE_METADATA_ALIAS); sources (tests, tsx) import it from the package as it is.
import metadata from 'libphonenumber-js/metadata.max';

/**
 * Phone numbers are E.164: `+`, a country code and 8–15 digits in all, and a number that is valid for
 * its country (full metadata, so `+1415555` or `+999…` are refused). We accept the visual separators
 * people paste with an international number (spaces, dashes, dots, parentheses: `+1 (415) 555-1234`)
 * and store the canonical form; a number without the leading `+` is refused, since guessing its
 * country would dial the wrong person.
 */
export type PhoneCheck = { ok: true; e164: string } | { ok: false; message: string };

const ALLOWED_CHARACTERS = /^\+[0-9 ().-]+$/;

export function normalizeE164(input: string): PhoneCheck {
  const raw = input.trim();
  if (!raw.startsWith('+')) {
    return { ok: false, message: 'must be in E.164 format, starting with + and the country code' };
  }
  if (!ALLOWED_CHARACTERS.test(raw)) {
    return { ok: false, message: 'must hold only + and digits (E.164)' };
  }
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) {
    return { ok: false, message: 'must have 8 to 15 digits (E.164)' };
  }
  try {
    const parsed = parsePhoneNumberWithError(raw, metadata);
    if (!parsed.isValid()) return { ok: false, message: 'is not a valid phone number' };
    return { ok: true, e164: parsed.number };
  } catch {
    return { ok: false, message: 'is not a valid phone number (unknown country code)' };
  }
}

/** For logs and the dashboard: only the last four digits stay readable. */
export function maskPhone(e164: string): string {
  if (e164.length <= 4) return '••••';
  return `${'•'.repeat(Math.max(0, e164.length - 5))}${e164.slice(-4)}`.replace(/^/, '+');
}
