import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An API request as API Gateway (HTTP API, payload 2.0) hands it to the function serving its route. */
export type ApiEvent = APIGatewayProxyEventV2;

/** One request as a route handler sees it: authenticated, with its ids and parameters. */
export interface ApiRequest {
  event: ApiEvent;
  workspaceId: string;
  requestId: string;
  now: Date;
  path: Record<string, string>;
  query: Record<string, string>;
}
