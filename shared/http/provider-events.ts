import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type CallEndedResult, recordCallEnded } from '../app/run/call-ended.ts';
import type { RunDeps } from '../app/run/run-deps.ts';
import { InvalidRequestError, NotFoundError, UnauthorizedError } from '../domain/errors.ts';
import type { ResponseBody } from '../contracts/routes.ts';
import type { CallbackVerifier, ProviderCallbackRequest } from '../ports/dialer.ts';
import { requestIdOf } from './request-context.ts';
import { bodyBytes } from './request-body.ts';
import { errorResponse, json, type HttpResponse } from './respond.ts';

/**
 * `POST /v1/telephony/{provider}/events`: a provider's callback. Authenticated by the provider's
 * signature, never by API key: an unsigned, forged or stale callback is a 401 and changes nothing.
 * A 5xx makes the provider retry, which is safe: applying a callback twice changes nothing.
 */
export interface ProviderEventsDeps {
  runDeps: Pick<
    RunDeps,
    'store' | 'runStore' | 'transcripts' | 'logger' | 'clock' | 'dialQueue' | 'webhookQueue'
  >;
  verifierFor: (provider: string) => CallbackVerifier | undefined;
  /** The secret that must have signed this callback; null when none is known (then it is refused). */
  secretFor: (verifier: CallbackVerifier, request: ProviderCallbackRequest) => Promise<string | null>;
  /** The public base URL providers call (signatures may cover the full URL). */
  publicBaseUrl: string;
}

export async function handleProviderEvent(
  event: APIGatewayProxyEventV2,
  deps: ProviderEventsDeps,
): Promise<HttpResponse> {
  const requestId = requestIdOf(event.headers, event.requestContext.requestId);
  try {
    const provider = event.pathParameters?.provider ?? '';
    const verifier = deps.verifierFor(provider);
    if (!verifier) throw new NotFoundError(`No telephony provider is called ${provider}.`);
    const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
    const request: ProviderCallbackRequest = {
      url: `${deps.publicBaseUrl.replace(/\/$/, '')}${event.rawPath}${query}`,
      headers: event.headers,
      rawBody: bodyBytes(event),
    };
    const secret = await deps.secretFor(verifier, request);
    if (!secret || !verifier.verify(request, secret, deps.runDeps.clock())) {
      throw new UnauthorizedError('The callback signature is missing, invalid or too old.');
    }
    let events;
    try {
      events = verifier.parse(request);
    } catch (cause) {
      throw new InvalidRequestError(cause instanceof Error ? cause.message : 'Malformed callback.', [], {
        cause,
      });
    }
    const results: CallEndedResult[] = [];
    for (const ended of events) results.push(await recordCallEnded(deps.runDeps, provider, ended));
    deps.runDeps.logger.info('provider callback', { provider, results });
    const answer: ResponseBody<'providerEvents'> = { received: events.length, results };
    return json(200, answer, requestId);
  } catch (error) {
    const mapped = errorResponse(error, requestId);
    if (mapped.internal) deps.runDeps.logger.error('provider callback failed', { requestId, error });
    return mapped.response;
  }
}
