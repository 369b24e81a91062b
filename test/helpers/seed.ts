import { expect } from 'vitest';
import type { TestClient } from './http-client.ts';

/** Creates a simulated outbound number and an agent bound to it, through the API. */
export async function seedAgent(
  c: TestClient,
  overrides: Record<string, unknown> = {},
): Promise<{ agentId: string; phoneNumberId: string }> {
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    label: 'Test caller',
    provider: 'simulated',
  });
  expect(phone.status, phone.text).toBe(201);
  const agent = await c.post('/v1/agents', {
    name: 'Reminder agent',
    prompt: 'Remind {{first_name}} of the appointment on {{appointment_date}}.',
    first_message: 'Hi {{first_name}}!',
    phone_number_id: phone.body.id,
    ...overrides,
  });
  expect(agent.status, agent.text).toBe(201);
  return { agentId: agent.body.id, phoneNumberId: phone.body.id };
}

export function expectEnvelope(
  res: { status: number; body: any; headers: Headers },
  status: number,
  code: string,
) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body?.error?.code).toBe(code);
  expect(typeof res.body?.error?.message).toBe('string');
  expect(res.body?.request_id).toBe(res.headers.get('x-request-id'));
}

/** Creates a Retell number (with the API key) and an agent bound to it and to a Retell agent, through the API. */
export async function seedRetellAgent(
  c: TestClient,
  retell: { apiKey: string; agentId: string },
  overrides: Record<string, unknown> = {},
): Promise<{ agentId: string; phoneNumberId: string }> {
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    provider: 'retell',
    credentials: { api_key: retell.apiKey },
    calls_per_second: 20,
  });
  expect(phone.status, phone.text).toBe(201);
  const agent = await c.post('/v1/agents', {
    name: 'Reminders',
    prompt: 'You remind {{first_name}} of an appointment.',
    phone_number_id: phone.body.id,
    telephony: { retell_agent_id: retell.agentId },
    ...overrides,
  });
  expect(agent.status, agent.text).toBe(201);
  return { agentId: agent.body.id, phoneNumberId: phone.body.id };
}
