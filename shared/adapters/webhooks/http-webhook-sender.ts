import {
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, type AddressClass } from '../../domain/network-address.ts';
import { checkWebhookUrl } from '../../domain/webhook-url.ts';
import { parseRetryAfter } from '../../domain/webhook-retry.ts';
import type { HostResolver } from '../../ports/host-resolver.ts';
import type { WebhookSendRequest, WebhookSendResult, WebhookSender } from '../../ports/webhook-sender.ts';
import { dnsHostResolver } from '../net/dns-host-resolver.ts';

/** The most of a receiver's answer we read; the rest is cut off (we never use it). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface HttpWebhookSenderOptions {
  resolveHost?: HostResolver;
}

const CLASS_NAMES: Record<AddressClass, string> = {
  public: 'a public',
  loopback: 'a loopback',
  private: 'a private',
  link_local: 'a link-local',
  cgnat: 'a carrier-grade NAT',
  reserved: 'a reserved',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
};

class SendFailure extends Error {}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function describeSocketError(error: unknown): string {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by the receiver';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'EPIPE':
      return 'connection closed by the receiver';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      if (typeof code === 'string' && /CERT|SSL|TLS/i.test(code)) return `TLS error: ${message}`;
      return `connection error: ${typeof code === 'string' ? code : message}`;
    }
  }
}

/**
 * Resolves the host and refuses unless every address it resolves to is public (loopback passes only
 * with allowLoopback): one private record among public ones is enough for an attacker to win a race.
 */
async function checkedAddresses(
  hostname: string,
  allowLoopback: boolean,
  resolveHost: HostResolver,
): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = isIP(hostname) !== 0 ? [hostname] : await resolveHost(hostname);
  } catch (error) {
    throw new SendFailure(`DNS lookup failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (addresses.length === 0) throw new SendFailure('DNS lookup failed: the host does not resolve');
  for (const address of addresses) {
    let cls: AddressClass;
    try {
      cls = classifyAddress(address);
    } catch {
      throw new SendFailure('DNS lookup failed: the resolver returned an invalid address');
    }
    if (cls === 'public' || (cls === 'loopback' && allowLoopback)) continue;
    throw new SendFailure(`refused: resolves to ${CLASS_NAMES[cls]} address`);
  }
  return addresses;
}

/**
 * A lookup that answers with the addresses already checked, so the socket cannot land elsewhere. All
 * of them are offered when Node races IPv4 and IPv6 (autoSelectFamily), so `localhost` resolving to
 * `::1` first still reaches a receiver listening on 127.0.0.1.
 */
function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return (_hostname, options, callback) => {
    const first = entries[0];
    if (options.all === true) callback(null, entries);
    else if (first !== undefined) callback(null, first.address, first.family);
    else callback(new Error('no checked address'), '', 0);
  };
}

interface Answer {
  statusCode: number;
  retryAfterSeconds: number | null;
}

/** Reads at most MAX_RESPONSE_BYTES of the answer and throws it away; settles once, whatever happens. */
function drain(response: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const done = () => {
      response.removeAllListeners('data');
      resolve();
    };
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= MAX_RESPONSE_BYTES) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('close', done);
    response.on('error', done);
  });
}

function post(
  url: URL,
  addresses: string[],
  request: WebhookSendRequest,
  register: (req: ClientRequest) => void,
): Promise<Answer> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const https = url.protocol === 'https:';
  const body = Buffer.from(request.body, 'utf8');
  const options: RequestOptions & { servername?: string } = {
    method: 'POST',
    hostname,
    port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...request.headers, 'content-length': String(body.length) },
    lookup: pinnedLookup(addresses),
    // A fresh connection each time: a pooled socket could have been opened to an older address.
    agent: false,
  };
  // TLS checks the certificate against the host name, not the pinned address (SNI takes no IPs).
  if (https && isIP(hostname) === 0) options.servername = hostname;

  return new Promise<Answer>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(options, (response) => {
      const statusCode = response.statusCode ?? 0;
      const retryAfterSeconds =
        statusCode === 429 || statusCode === 503
          ? parseRetryAfter(headerText(response.headers['retry-after']))
          : null;
      void drain(response).then(() => resolve({ statusCode, retryAfterSeconds }));
    });
    register(req);
    req.on('error', reject);
    req.end(body);
  });
}

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/**
 * Posts one webhook with node:http(s), guarded against SSRF at connect time: the URL is checked again,
 * its host resolved, every address checked, and the socket pinned to the checked addresses (a custom
 * `lookup`), so DNS rebinding between the check and the connect cannot reach the service's network.
 * Redirects are not followed; the whole exchange has `timeoutMs`. It never throws: any failure comes
 * back as `{ statusCode: null, error }`. `error` is null whenever an HTTP answer came, whatever its status.
 */
export function createHttpWebhookSender(options: HttpWebhookSenderOptions = {}): WebhookSender {
  const resolveHost = options.resolveHost ?? dnsHostResolver;

  return async (request) => {
    const started = Date.now();
    const result = (
      statusCode: number | null,
      retryAfterSeconds: number | null,
      error: string | null,
    ): WebhookSendResult => ({
      statusCode,
      retryAfterSeconds,
      error,
      durationMs: Date.now() - started,
    });

    // A holder, not a `let`: the request is set from a callback, which TypeScript's narrowing cannot see.
    const inFlight: { req: ClientRequest | null } = { req: null };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const failure = new SendFailure(`timed out after ${seconds(request.timeoutMs)}`);
        inFlight.req?.destroy(failure);
        reject(failure);
      }, request.timeoutMs);
    });
    // The loser of a race must not turn into an unhandled rejection.
    timedOut.catch(() => undefined);

    try {
      const checked = checkWebhookUrl(request.url, { allowLoopback: request.allowLoopback });
      if (!checked.ok) return result(null, null, `refused: the URL ${checked.message}`);
      const url = new URL(checked.url);
      const hostname = url.hostname.replace(/^\[|\]$/g, '');
      const addresses = await Promise.race([
        checkedAddresses(hostname, request.allowLoopback, resolveHost),
        timedOut,
      ]);
      const answer = await Promise.race([
        post(url, addresses, request, (req) => {
          inFlight.req = req;
        }),
        timedOut,
      ]);
      return result(answer.statusCode, answer.retryAfterSeconds, null);
    } catch (error) {
      if (error instanceof SendFailure) return result(null, null, error.message);
      return result(null, null, describeSocketError(error));
    } finally {
      clearTimeout(timer);
      inFlight.req?.destroy();
    }
  };
}
