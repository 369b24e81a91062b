import { classifyAddress, parseIpAddress } from './network-address.ts';

/**
 * Webhook URL rules (contract "Local mode"). A URL is checked twice: here, at write time, on its text
 * (syntax, scheme, literal addresses), and again at delivery time on every address its host resolves
 * to, since a public name can point at a private address. Only the first check lives here.
 */

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; message: string };

export const WEBHOOK_URL_MAX_LENGTH = 2_048;

export interface SyntaxCheck {
  ok: true;
  url: URL;
}

/** The text-only rules every webhook URL must meet, whatever the mode: absolute http(s), no credentials. */
export function checkWebhookUrlSyntax(url: string): SyntaxCheck | { ok: false; message: string } {
  if (url.length > WEBHOOK_URL_MAX_LENGTH) {
    return {
      ok: false,
      message: `must be at most ${WEBHOOK_URL_MAX_LENGTH.toLocaleString('en-US')} characters long`,
    };
  }
  // The URL parser silently trims surrounding whitespace; refusing it keeps the stored URL the one used.
  if (url !== url.trim()) return { ok: false, message: 'must not start or end with spaces' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: 'must be an absolute URL, e.g. https://example.com/webhooks' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { ok: false, message: 'must be an https:// URL' };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, message: 'must not contain a user name or password' };
  }
  if (parsed.hostname === '') return { ok: false, message: 'must name a host' };
  return { ok: true, url: parsed };
}

/** `localhost`, `localhost.` and any `*.localhost` name resolve to loopback by definition (RFC 6761). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

const REFUSED_MESSAGES: Record<string, string> = {
  private: 'must not point at a private network address',
  link_local: 'must not point at a link-local address',
  cgnat: 'must not point at a carrier-grade NAT address',
  reserved: 'must not point at a reserved address',
  multicast: 'must not point at a multicast address',
  unspecified: 'must not point at an unspecified address',
};

/**
 * The full write-time check. `allowLoopback` is the local mode (WEBHOOK_ALLOW_LOOPBACK): there
 * `http://` and loopback hosts are accepted so a receiver on the same machine works; elsewhere only
 * `https://` to a public host. Private, link-local, CGNAT, reserved, multicast and unspecified
 * literal addresses are refused in every mode. Host names are resolved (and re-checked) at delivery.
 */
export function checkWebhookUrl(url: string, opts: { allowLoopback: boolean }): WebhookUrlCheck {
  const syntax = checkWebhookUrlSyntax(url);
  if (!syntax.ok) return syntax;
  const parsed = syntax.url;
  if (!opts.allowLoopback && parsed.protocol !== 'https:')
    return { ok: false, message: 'must be an https:// URL' };

  // WHATWG URL parsing has already turned odd IPv4 spellings (`0x7f.1`, `2130706433`) into dotted quads.
  const host = parsed.hostname;
  const address = parseIpAddress(host);
  if (address === null) {
    if (isLocalhostName(host) && !opts.allowLoopback) {
      return { ok: false, message: 'must not point at localhost' };
    }
    return { ok: true, url };
  }
  const cls = classifyAddress(host);
  if (cls === 'public') return { ok: true, url };
  if (cls === 'loopback') {
    return opts.allowLoopback
      ? { ok: true, url }
      : { ok: false, message: 'must not point at a loopback address' };
  }
  return { ok: false, message: REFUSED_MESSAGES[cls] ?? 'must point at a public address' };
}
