import { afterEach, describe, expect, it } from 'vitest';
import { api, startLocalService, type LocalService } from '../helpers/local-service.ts';

/** The integration-test harness itself: the real handlers behind the gateway, on a fresh table. */

let service: LocalService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe('startLocalService', () => {
  it('serves the real API with a working key and isolated extra workspaces', async () => {
    service = await startLocalService();
    const client = api(service.baseUrl, service.apiKey);
    const created = await client.post<{ id: string }>('/v1/phone-numbers', {
      phone_number: '+14155550100',
      provider: 'simulated',
    });
    expect(created.status).toBe(201);
    expect(await service.store.getPhoneNumber(service.workspaceId, created.json.id)).not.toBeNull();

    const other = await service.newWorkspace('Other');
    expect(other.workspaceId).not.toBe(service.workspaceId);
    const seenByOther = await api(service.baseUrl, other.apiKey).get(`/v1/phone-numbers/${created.json.id}`);
    expect(seenByOther.status).toBe(404);

    const anonymous = await api(service.baseUrl, null).get('/v1/phone-numbers');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses a second service while one runs, and starts a fresh one (new env, new table) after stop', async () => {
    service = await startLocalService();
    const firstTable = service.tableName;
    await expect(startLocalService()).rejects.toThrow(/already running/);
    await service.stop();

    service = await startLocalService({ env: { AUTH_CACHE_TTL_SECONDS: '0' } });
    expect(service.tableName).not.toBe(firstTable);
    expect(service.functions.environmentOf('apiSettings').TABLE_NAME).toBe(service.tableName);
    const listed = await api(service.baseUrl, service.apiKey).get<{ items?: unknown[] }>('/v1/phone-numbers');
    expect(listed.status).toBe(200);
    // The functions run in new workers: they write to the new table, not the stopped one's.
    const created = await api(service.baseUrl, service.apiKey).post<{ id: string }>('/v1/phone-numbers', {
      phone_number: '+14155550101',
      provider: 'simulated',
    });
    expect(created.status).toBe(201);
    expect(await service.store.getPhoneNumber(service.workspaceId, created.json.id)).not.toBeNull();
  }, 90_000);
});
