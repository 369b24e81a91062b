import type {
  APIGatewayEventRequestContextV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import type { FunctionName, FunctionSpec } from '../../wiring.ts';
import { invokeWithTimeout } from '../functions/lambda-invoke.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_API_ID, LOCAL_REGION, type RequestShape } from './http-event.ts';

/**
 * The gateway's call of the Lambda authorizer (payload format 2.0, simple responses), and how API
 * Gateway reads its result: allowed with a context, denied (403), or failed (500, never the
 * function's own text).
 */

export const AUTHORIZER: FunctionName = 'authorizer';

export type AuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: Context,
) => Promise<unknown>;

export type AuthorizerOutcome =
  { kind: 'allowed'; context: unknown } | { kind: 'denied' } | { kind: 'failed'; error: unknown };

export async function authorize(
  authorizer: AuthorizerHandler | undefined,
  spec: FunctionSpec,
  shape: RequestShape,
  requestContext: APIGatewayEventRequestContextV2,
  pathParameters: Record<string, string>,
): Promise<AuthorizerOutcome> {
  const event: APIGatewayRequestAuthorizerEventV2 = {
    version: '2.0',
    type: 'REQUEST',
    routeArn:
      `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/$default/` +
      `${shape.method}${shape.rawPath}`,
    // Configured without identity sources (see infra/wiring.ts), so it runs for every request.
    identitySource: [],
    routeKey: requestContext.routeKey,
    rawPath: shape.rawPath,
    rawQueryString: shape.rawQueryString,
    cookies: shape.cookies,
    headers: shape.headers,
    requestContext,
  };
  if (shape.queryStringParameters) event.queryStringParameters = shape.queryStringParameters;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;

  let result: unknown;
  try {
    if (!authorizer) throw new Error('No authorizer handler loaded');
    result = await invokeWithTimeout(AUTHORIZER, spec, (context) => authorizer(event, context));
  } catch (error) {
    // API Gateway answers an authorizer error or timeout with 500, never with the function's own text.
    return { kind: 'failed', error };
  }
  if (typeof result !== 'object' || result === null || !('isAuthorized' in result)) {
    return { kind: 'failed', error: new Error('The authorizer result has no isAuthorized') };
  }
  const { isAuthorized, context } = result as { isAuthorized: unknown; context?: unknown };
  if (typeof isAuthorized !== 'boolean') {
    return { kind: 'failed', error: new Error('The authorizer result has a non-boolean isAuthorized') };
  }
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
    return { kind: 'failed', error: new Error('The authorizer context is not an object') };
  }
  if (!isAuthorized) return { kind: 'denied' };
  // A copy, as across the wire: the function cannot share objects with the authorizer.
  return { kind: 'allowed', context: context === undefined ? {} : structuredClone(context) };
}
