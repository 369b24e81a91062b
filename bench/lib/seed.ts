import { client, type TestClient } from '../../test/helpers/http-client.ts';
import type { LocalService } from '../../test/helpers/local-service.ts';

/**
 * A simulated outbound number and an agent bound to it, created through the API: in the service's
 * first workspace, or in another one (`apiKey`, with a `phoneNumber` of its own).
 */
export async function seedAgent(
  service: LocalService,
  options: { callsPerSecond: number; webhookUrl?: string; apiKey?: string; phoneNumber?: string },
): Promise<{ c: TestClient; agentId: string; phoneNumberId: string }> {
  const c = client(service.baseUrl, options.apiKey ?? service.apiKey);
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: options.phoneNumber ?? '+14155550100',
    provider: 'simulated',
    calls_per_second: options.callsPerSecond,
  });
  if (phone.status !== 201) throw new Error(`creating the number failed: ${phone.text}`);
  const agent = await c.post('/v1/agents', {
    name: 'Bench agent',
    prompt: 'You remind {{first_name}} of the appointment.',
    first_message: 'Hi {{first_name}}, this is a reminder.',
    phone_number_id: phone.body.id,
    ...(options.webhookUrl
      ? {
          webhook_url: options.webhookUrl,
          webhook_events: ['conversation.completed', 'call.failed', 'batch.completed', 'batch.failed'],
        }
      : {}),
  });
  if (agent.status !== 201) throw new Error(`creating the agent failed: ${agent.text}`);
  return { c, agentId: agent.body.id, phoneNumberId: phone.body.id };
}
