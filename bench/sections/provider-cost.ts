import { startFakeTwilio } from '../../test/helpers/fake-twilio.ts';
import { client } from '../../test/helpers/http-client.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { startBenchService, type BenchService } from '../lib/bench-service.ts';
import { costOf, type CostBreakdown } from '../lib/cost.ts';
import { jsonRecipients } from '../lib/inputs.ts';
import { startReceiver } from '../lib/receiver.ts';

/**
 * 3. Cost on a real provider's path: a batch through the Twilio adapter, which talks over HTTP to a
 * local Twilio written from Twilio's documented API (test/helpers/fake-twilio.ts) and is called back
 * with signed status callbacks, as in test/integration/telephony-twilio.test.ts. The same counts as
 * the simulated runs (run.ts): this path adds reading the number's credentials to dial and to verify
 * each callback's signature, and Twilio's own callback shape. The recipients' last four digits pick
 * the outcomes (inputs.ts: about 70 % answered, 10 % each voicemail, no answer and busy), which the
 * fake Twilio reads the same way.
 */

export interface ProviderCostOptions {
  provider: 'twilio';
  recipients: number;
  concurrency: number;
  callMs: number;
  timeoutMs: number;
}

export interface ProviderCostResult {
  provider: string;
  recipients: number;
  concurrency: number;
  callMs: number;
  finishMs: number;
  /** Calls the provider was asked to place (one per recipient unless retried). */
  placements: number;
  cost: CostBreakdown;
}

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';

export async function benchProviderCost(options: ProviderCostOptions): Promise<ProviderCostResult> {
  const receiver = await startReceiver();
  const twilio = await startFakeTwilio({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN }, callMs: options.callMs });
  let bench: BenchService | undefined;
  try {
    bench = await startBenchService({ env: { TWILIO_API_BASE_URL: twilio.url } });
    const { service } = bench;
    const c = client(service.baseUrl, service.apiKey);
    const phone = await c.post('/v1/phone-numbers', {
      phone_number: '+14155550100',
      provider: 'twilio',
      credentials: { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
      calls_per_second: 100,
    });
    if (phone.status !== 201) throw new Error(`creating the Twilio number failed: ${phone.text}`);
    const agent = await c.post('/v1/agents', {
      name: 'Bench agent (Twilio)',
      prompt: 'You remind {{first_name}} of the appointment.',
      phone_number_id: phone.body.id,
      telephony: { twiml_url: 'https://agent.example.com/twiml' },
      webhook_url: receiver.url,
      webhook_events: ['conversation.completed', 'call.failed', 'batch.completed', 'batch.failed'],
    });
    if (agent.status !== 201) throw new Error(`creating the agent failed: ${agent.text}`);
    await bench.resetCounts();

    const created = await c.post('/v1/agents/batch-calls', {
      name: `Bench Twilio N=${options.concurrency}`,
      agent_id: agent.body.id,
      recipients: jsonRecipients(options.recipients),
      max_concurrent_calls: options.concurrency,
      // The fake lets a no-answer number ring until this timeout, in real time.
      ringing_timeout_ms: 1_000,
    });
    if (created.status !== 202) throw new Error(`create failed: ${created.text.slice(0, 300)}`);
    const batchId: string = created.body.id;

    // Polled from the table directly, so the benchmark adds no API requests to the counts.
    const deadline = Date.now() + options.timeoutMs;
    let batch = await service.store.getBatch(service.workspaceId, batchId);
    while (batch && (batch.status === 'pending' || batch.status === 'running')) {
      if (Date.now() > deadline) throw new Error(`batch still ${batch.status} after ${options.timeoutMs} ms`);
      await sleep(250);
      batch = await service.store.getBatch(service.workspaceId, batchId);
    }
    if (batch?.status !== 'completed' || !batch.startedAt || !batch.completedAt) {
      throw new Error(`the batch ended as ${batch?.status ?? 'missing'}`);
    }
    // Every recipient's event and the batch's: their deliveries are part of what a call costs.
    const expected = options.recipients + 1;
    const webhooksBy = Date.now() + 120_000;
    while (receiver.arrivals.length < expected) {
      if (Date.now() > webhooksBy) throw new Error('timed out waiting for the webhooks');
      await sleep(100);
    }
    const placements = twilio
      .calls()
      .filter((call) => call.form.StatusCallback?.[0]?.includes(batchId)).length;
    return {
      provider: options.provider,
      recipients: options.recipients,
      concurrency: options.concurrency,
      callMs: options.callMs,
      finishMs: Date.parse(batch.completedAt) - Date.parse(batch.startedAt),
      placements,
      cost: await costOf(bench, options.recipients),
    };
  } finally {
    await bench?.stop();
    await twilio.close();
    await receiver.close();
  }
}
