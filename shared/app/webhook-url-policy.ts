import { isIP } from 'node:net';
import { ValidationError } from '../domain/errors.ts';
import { classifyAddress } from '../domain/network-address.ts';
import { checkWebhookUrl } from '../domain/webhook-url.ts';
import type { HostResolver } from '../ports/host-resolver.ts';

/**
 * The registration-time SSRF check (DESIGN.md §6): the URL's syntax and literal address, then every
 * address its host resolves to. The webhook sender checks again at connect time and pins the socket
 * to the checked address, since DNS can change between now and then; a host that does not resolve
 * yet is accepted here for that reason and refused at delivery if it resolves somewhere private.
 */
export async function assertWebhookUrlAllowed(
  url: string,
  options: { allowLoopback: boolean; resolveHost: HostResolver; path?: string },
): Promise<string> {
  const path = options.path ?? 'webhook_url';
  const checked = checkWebhookUrl(url, { allowLoopback: options.allowLoopback });
  if (!checked.ok) throw new ValidationError([{ path, message: checked.message }]);
  const hostname = new URL(checked.url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(hostname) !== 0 || hostname === 'localhost') return checked.url;
  for (const address of await options.resolveHost(hostname)) {
    const kind = classifyAddress(address);
    if (kind === 'public' || (kind === 'loopback' && options.allowLoopback)) continue;
    throw new ValidationError([
      { path, message: `resolves to a ${kind.replace('_', '-')} address, which is not allowed` },
    ]);
  }
  return checked.url;
}
