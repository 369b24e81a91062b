import { describe, expect, it, vi } from 'vitest';
import type { AppDeps } from '#shared/app/deps.ts';
import type { ApiEvent } from '#shared/http/api-request.ts';
import type { KeyAuthentication } from '#shared/http/authenticate.ts';
import { handleApiRequest } from '#shared/http/handle-api-request.ts';
import type { ApiRouter, RouteHandler } from '#shared/http/routes/route-kit.ts';

/**
 * The api functions' request core: with no authorizer in front, it is what fails closed. An API-key
 * route's handler runs only for a key that resolved to a workspace, scoped to it; an open route runs
 * without a key; a route the function does not serve is a 500 only for an authenticated caller.
 */

const logger = { info: vi.fn(), error: vi.fn() };
const app = { clock: () => new Date('2026-12-07T00:00:00Z') } as AppDeps;

function event(routeKey: string, authorization?: string): ApiEvent {
  return {
    routeKey,
    rawPath: '/v1/x',
    headers: authorization ? { authorization } : {},
    requestContext: { requestId: 'req-1' },
  } as unknown as ApiEvent;
}

function setup(auth: KeyAuthentication) {
  const handler = vi.fn<RouteHandler>(async (req) => ({
    statusCode: 200,
    headers: {},
    body: JSON.stringify({ workspaceId: req.workspaceId }),
  }));
  const open = vi.fn(async () => ({ statusCode: 200, headers: {}, body: 'open' }));
  const router: ApiRouter = {
    routes: new Map([['GET /v1/things', handler]]),
    open: new Map([['GET /v1/openapi.json', open]]),
  };
  const authenticate = vi.fn(async () => auth);
  return { handler, open, router, authenticate };
}

describe('handleApiRequest', () => {
  it('runs an API-key route scoped to the workspace the key resolved to', async () => {
    const { handler, router, authenticate } = setup({ workspaceId: 'ws_1', authError: '' });
    const res = await handleApiRequest(
      event('GET /v1/things', 'Bearer k'),
      router,
      { app, authenticate },
      logger,
    );
    expect(authenticate).toHaveBeenCalledWith('Bearer k');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ workspaceId: 'ws_1' });
    expect(handler).toHaveBeenCalledOnce();
  });

  it.each(['missing', 'malformed', 'unknown_or_revoked'] as const)(
    'answers 401 without running the handler when the key is %s',
    async (authError) => {
      const { handler, router, authenticate } = setup({ workspaceId: '', authError });
      const res = await handleApiRequest(event('GET /v1/things'), router, { app, authenticate }, logger);
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unauthorized' }, request_id: 'req-1' });
      expect(handler).not.toHaveBeenCalled();
    },
  );

  it('serves an open route without asking for a key', async () => {
    const { open, router, authenticate } = setup({ workspaceId: '', authError: 'missing' });
    const res = await handleApiRequest(event('GET /v1/openapi.json'), router, { app, authenticate }, logger);
    expect(res.body).toBe('open');
    expect(open).toHaveBeenCalledOnce();
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('tells an unauthenticated caller nothing of a route it does not serve; a 500 for a valid key', async () => {
    const refused = setup({ workspaceId: '', authError: 'missing' });
    const anonymous = await handleApiRequest(
      event('GET /v1/elsewhere'),
      refused.router,
      { app, authenticate: refused.authenticate },
      logger,
    );
    expect(anonymous.statusCode).toBe(401);
    const known = setup({ workspaceId: 'ws_1', authError: '' });
    const res = await handleApiRequest(
      event('GET /v1/elsewhere', 'Bearer k'),
      known.router,
      { app, authenticate: known.authenticate },
      logger,
    );
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('elsewhere');
  });
});
