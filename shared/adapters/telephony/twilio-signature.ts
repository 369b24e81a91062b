import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's request signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
 * `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, full URL + each POST parameter's name and value,
 * sorted by name)). Twilio's own library checks the URL both with and without its port, because
 * Twilio's back end is not consistent about including a standard port; so do we.
 */

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/** Form parameters, with every value of a repeated name (as Twilio's library keeps them). */
export type TwilioParams = Map<string, string[]>;

export function formParams(raw: string | Buffer): TwilioParams {
  const params: TwilioParams = new Map();
  for (const [key, value] of new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8'))) {
    const values = params.get(key);
    if (values) values.push(value);
    else params.set(key, [value]);
  }
  return params;
}

export function paramsFromRecord(record: Record<string, string | string[]>): TwilioParams {
  return new Map(Object.entries(record).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

/**
 * The signature Twilio computes for this URL (exactly as written: a URL parser would drop a standard
 * port that Twilio may have signed) and these parameters.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of [...params.keys()].sort()) {
    // A repeated parameter contributes each distinct value, sorted (twilio-node's rule).
    const values = [...new Set(params.get(name))].sort();
    for (const value of values) data += name + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The URL with its scheme's standard port written out (`https://host:443/…`) unless it has one. */
function withPort(url: URL): string {
  if (url.port) return url.toString();
  const port = url.protocol === 'https:' ? '443' : '80';
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${auth}${url.host}:${port}${url.pathname}${url.search}${url.hash}`;
}

function withoutPort(url: URL): string {
  const copy = new URL(url.toString());
  copy.port = '';
  return copy.toString();
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when the header is Twilio's signature of this URL (with or without its port) and parameters. */
export function validateTwilioSignature(
  authToken: string,
  header: string | undefined,
  url: string,
  params: TwilioParams,
): boolean {
  if (!header || !authToken) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const withP = sameText(header, twilioSignature(authToken, withPort(parsed), params));
  const withoutP = sameText(header, twilioSignature(authToken, withoutPort(parsed), params));
  return withP || withoutP;
}
