import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeRetell, type FakeRetell } from '../helpers/fake-retell.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { seedRetellAgent } from '../helpers/seed.ts';
import { startLocalService, type LocalService } from '../helpers/local-service.ts';
import { waitForBatchEnd } from '../helpers/batch-run.ts';

/**
 * Issue 11, item 4: a call answered through a provider with transcripts (Retell here) whose
 * callbacks were all lost is settled by the sweeper through the provider's API. The sweeper must
 * then store the transcript, which it can only do with the transcripts bucket's setting and grant
 * (infra/wiring.ts); the local runtime now gives each function only what the wiring gives it, so a
 * missing grant fails here as it would in AWS (the recipient was recorded `failed`).
 */

const API_KEY = 'key_0a1b2c3d4e5f60718293a4b5c6d7';
const RETELL_AGENT = 'agent_0f1e2d3c4b5a69788796a5b4';
const LOST = '+14155556500';

let service: LocalService;
let retell: FakeRetell;
let c: TestClient;
let agentId: string;

beforeAll(async () => {
  retell = await startFakeRetell({
    apiKey: API_KEY,
    numbers: ['+14155550100'],
    agents: {
      [RETELL_AGENT]: { beginMessage: 'Hi {{first_name}}, a reminder.', analysis: { confirmed: true } },
    },
  });
  service = await startLocalService({
    sweeperIntervalMs: 1_000,
    // The sweeper asks Retell how the call ended once ringing timeout + 2 s have passed.
    env: { RETELL_API_BASE_URL: retell.url, MAX_CALL_SECONDS: '2' },
  });
  retell.setWebhookUrl(`${service.baseUrl}/v1/telephony/retell/events`);
  c = client(service.baseUrl, service.apiKey);
  ({ agentId } = await seedRetellAgent(c, { apiKey: API_KEY, agentId: RETELL_AGENT }));
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await retell?.close();
});

it('completes an answered call whose callbacks were lost, with its transcript stored', async () => {
  retell.dropEventTo(LOST, 'call_ended');
  retell.dropEventTo(LOST, 'call_analyzed');
  const created = await c.post('/v1/agents/batch-calls', {
    name: 'Lost callbacks',
    agent_id: agentId,
    ringing_timeout_ms: 1_000,
    recipients: [{ phone: LOST, first_name: 'Lost' }],
  });
  expect(created.status, created.text).toBe(202);
  const batchId = created.body.id as string;

  const detail = await waitForBatchEnd(c, batchId, {
    timeoutMs: 40_000,
    intervalMs: 250,
    checkCounts: false,
  });
  const recipient = detail.recipients[0];
  // Settled by the sweeper from Retell's get-call, not by a callback.
  expect(recipient).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
  expect(recipient.error ?? null).toBeNull();

  const conversation = await c.get(
    `/v1/agents/batch-calls/${batchId}/recipients/${recipient.id}/conversation`,
  );
  expect(conversation.status, conversation.text).toBe(200);
  expect(conversation.body.transcript[0].message).toContain('Hi Lost');
  const stored = await service.s3.client.send(
    new ListObjectsV2Command({ Bucket: service.s3.bucket, Prefix: 'transcripts/' }),
  );
  expect(stored.Contents?.some((object) => object.Key?.includes(batchId))).toBe(true);
}, 60_000);
