import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Retell's webhook signature (retell-sdk `Retell.verify`): `x-retell-signature: v=<ms>,d=<hex>` where
 * the digest is HMAC-SHA256 keyed with the Retell API key over the raw body followed by the
 * millisecond timestamp. A signature more than 5 minutes from now is refused, so a captured webhook
 * cannot be replayed later.
 */

export const RETELL_SIGNATURE_HEADER = 'x-retell-signature';
export const RETELL_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

function digest(apiKey: string, rawBody: string | Buffer, timestampMs: number): string {
  return createHmac('sha256', apiKey).update(rawBody).update(String(timestampMs)).digest('hex');
}

export function signRetellWebhook(apiKey: string, rawBody: string | Buffer, at: Date): string {
  const v = at.getTime();
  return `v=${v},d=${digest(apiKey, rawBody, v)}`;
}

export function verifyRetellSignature(
  header: string | undefined,
  apiKey: string,
  rawBody: Buffer,
  now: Date,
): boolean {
  if (!header || !apiKey) return false;
  const match = /^v=(\d{1,15}),d=([0-9a-f]{64})$/.exec(header.trim());
  if (!match?.[1] || !match[2]) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(now.getTime() - timestamp) > RETELL_SIGNATURE_TOLERANCE_MS) return false;
  return timingSafeEqual(
    Buffer.from(digest(apiKey, rawBody, timestamp), 'hex'),
    Buffer.from(match[2], 'hex'),
  );
}
