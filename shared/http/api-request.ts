import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';

/** What the Lambda authorizer hands the api function (see functions/http/authorizer.ts). */
export interface AuthorizerContext {
  /** Empty when the request is not authenticated; `authError` says why. */
  workspaceId: string;
  authError: '' | 'missing' | 'malformed' | 'unknown_or_revoked';
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;

/** One request as a route handler sees it: authenticated, with its ids and parameters. */
export interface ApiRequest {
  event: ApiEvent;
  workspaceId: string;
  requestId: string;
  now: Date;
  path: Record<string, string>;
  query: Record<string, string>;
}
