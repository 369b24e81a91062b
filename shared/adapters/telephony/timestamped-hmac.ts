import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `t=<unix seconds>,<version>=<hex HMAC-SHA256(secret, "<t>.<body>")>` signature header that
 * ElevenLabs (`v0`) and our simulated network (`v1`) use. One implementation, so the constant-time
 * comparison and the tolerance check cannot drift apart between providers.
 */

function hmacHex(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function signTimestampedHmac(
  secret: string,
  rawBody: string | Buffer,
  at: Date,
  version: string,
): string {
  const t = String(Math.floor(at.getTime() / 1000));
  return `t=${t},${version}=${hmacHex(secret, t, rawBody)}`;
}

/**
 * True when one of the header's signatures of `version` matches (compared in constant time) and its
 * timestamp is within `toleranceSeconds` of `now`, on either side.
 */
export function verifyTimestampedHmac(
  header: string | undefined,
  secret: string,
  rawBody: Buffer,
  now: Date,
  options: { version: string; toleranceSeconds: number },
): boolean {
  if (header === undefined || secret === '') return false;
  let timestamp: string | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = value;
    else if (key === options.version && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > options.toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  // Every candidate is compared so the time taken does not reveal which one matched.
  let ok = false;
  for (const s of signatures) ok = timingSafeEqual(expected, Buffer.from(s, 'hex')) || ok;
  return ok;
}
