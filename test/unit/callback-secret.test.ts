import { describe, expect, it } from 'vitest';
import { callbackSecret } from '#shared/app/run/callback-secret.ts';
import type { CallbackVerifier } from '#shared/ports/dialer.ts';

/** A verifier whose callbacks name only the provider's call id (as ElevenLabs' failure webhooks do). */
const verifier = {
  provider: 'elevenlabs',
  secretCredential: 'webhook_secret',
  callId: () => 'conv_1',
} as unknown as CallbackVerifier;
const request = {
  url: 'https://api.example/v1/telephony/elevenlabs/events',
  headers: {},
  rawBody: Buffer.alloc(0),
};
const ref = { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 0, attempt: 1 };

function deps(indexedAfterReads: number) {
  let reads = 0;
  const slept: number[] = [];
  return {
    slept,
    reads: () => reads,
    store: {
      getPhoneNumber: async () => ({ id: 'pn_1', provider: 'elevenlabs' }),
    },
    secrets: { get: async () => ({ webhook_secret: 'whsec_x' }) },
    runStore: {
      findCall: async () => (++reads > indexedAfterReads ? ref : null),
      getBatchIds: async () => ({ agentId: 'agent_1', phoneNumberId: 'pn_1' }),
    },
    sleep: async (ms: number) => void slept.push(ms),
  };
}

describe('the secret of a callback that names only its call id', () => {
  it('waits for a call index the dialer is still writing', async () => {
    const d = deps(2);
    expect(await callbackSecret(d as never, verifier, request)).toBe('whsec_x');
    expect(d.reads()).toBe(3);
    expect(d.slept).toEqual([100, 200]);
  });

  it('gives up on a call that never appears, after a bounded wait', async () => {
    const d = deps(Number.POSITIVE_INFINITY);
    expect(await callbackSecret(d as never, verifier, request)).toBeNull();
    expect(d.reads()).toBe(5);
    expect(d.slept.reduce((a, b) => a + b, 0)).toBe(1_500);
  });
});
