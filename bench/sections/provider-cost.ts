import { startFakeElevenLabs } from '../../test/helpers/fake-elevenlabs.ts';
import { startFakeRetell } from '../../test/helpers/fake-retell.ts';
import { startFakeTwilio } from '../../test/helpers/fake-twilio.ts';
import { startFakeVapi } from '../../test/helpers/fake-vapi.ts';
import { client } from '../../test/helpers/http-client.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { startBenchService, waitForCompletedBatch, type BenchService } from '../lib/bench-service.ts';
import { costOf, type CostBreakdown } from '../lib/cost.ts';
import { jsonRecipients } from '../lib/inputs.ts';
import { startReceiver } from '../lib/receiver.ts';

/**
 * 3. Cost on each real provider's path: a batch through the provider's adapter, which talks over HTTP
 * to a local provider written from its documented API (test/helpers/fake-*.ts) and is called back
 * with signed events, set up as in test/integration/telephony-*.test.ts. The same counts as the
 * simulated runs (run.ts): these paths add reading the number's credentials to dial and to verify
 * each callback, and the provider's own callback shapes (Retell sends two per answered call). The
 * recipients' last four digits pick the outcomes (inputs.ts: about 70 % answered, 10 % each
 * voicemail, no answer and busy), which every fake reads the same way.
 */

export type BenchProvider = 'twilio' | 'vapi' | 'retell' | 'elevenlabs';

/** One provider's local stand-in and what a number and an agent on it need. */
interface ProviderPath {
  /** The adapter's base-URL variable, pointed at the fake. */
  env: Record<string, string>;
  /** Called once the service's address is known: where the fake sends its events. */
  connect(baseUrl: string): void;
  phone: Record<string, unknown>;
  telephony: Record<string, unknown>;
  /** Calls the fake was asked to place (all runs: one service per run). */
  placements(): number;
  close(): Promise<void>;
}

const KEY = 'key_5f2e0c1a9b8d7e6f5a4b3c2d1e0f';
const WEBHOOK_SECRET = 'whsec_bench_0123456789abcdef';
const FROM = '+14155550100';

async function startProvider(provider: BenchProvider, callMs: number): Promise<ProviderPath> {
  switch (provider) {
    case 'twilio': {
      const fake = await startFakeTwilio({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN }, callMs });
      return {
        env: { TWILIO_API_BASE_URL: fake.url },
        // Twilio calls back the StatusCallback each create request names.
        connect: () => undefined,
        phone: { provider, credentials: { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN } },
        telephony: { twiml_url: 'https://agent.example.com/twiml' },
        placements: () => fake.calls().length,
        close: () => fake.close(),
      };
    }
    case 'vapi': {
      const fake = await startFakeVapi({
        apiKey: KEY,
        serverAuth: { kind: 'x-vapi-secret', token: WEBHOOK_SECRET },
        phoneNumbers: { 'pn-vapi-1': { number: FROM } },
        assistants: { 'asst-1': { firstMessage: 'Hi {{first_name}}, this is a reminder.' } },
        callMs,
      });
      return {
        env: { VAPI_API_BASE_URL: fake.url },
        connect: (baseUrl) => {
          fake.serverUrl = `${baseUrl}/v1/telephony/vapi/events`;
        },
        phone: {
          provider,
          credentials: { phone_number_id: 'pn-vapi-1', api_key: KEY, webhook_secret: WEBHOOK_SECRET },
        },
        telephony: { vapi_assistant_id: 'asst-1' },
        placements: () => fake.calls().length,
        close: () => fake.close(),
      };
    }
    case 'retell': {
      const fake = await startFakeRetell({
        apiKey: KEY,
        numbers: [FROM],
        agents: { agent_bench: { beginMessage: 'Hi {{first_name}}, this is a reminder.', analysis: {} } },
        callMs,
      });
      return {
        env: { RETELL_API_BASE_URL: fake.url },
        connect: (baseUrl) => fake.setWebhookUrl(`${baseUrl}/v1/telephony/retell/events`),
        phone: { provider, credentials: { api_key: KEY } },
        telephony: { retell_agent_id: 'agent_bench' },
        placements: () => fake.calls().length,
        close: () => fake.close(),
      };
    }
    case 'elevenlabs': {
      const fake = await startFakeElevenLabs({
        apiKey: KEY,
        webhookSecret: WEBHOOK_SECRET,
        phoneNumbers: { phnum_1: { number: FROM, provider: 'twilio' } },
        agents: {
          agent_el: {
            firstMessage: 'Hi {{first_name}}, this is a reminder.',
            evaluationCriteria: [],
            dataCollection: [],
          },
        },
        callMs,
      });
      return {
        env: { ELEVENLABS_API_BASE_URL: fake.url },
        connect: (baseUrl) => {
          fake.webhookUrl = `${baseUrl}/v1/telephony/elevenlabs/events`;
        },
        phone: {
          provider,
          credentials: { api_key: KEY, agent_phone_number_id: 'phnum_1', webhook_secret: WEBHOOK_SECRET },
        },
        telephony: { elevenlabs_agent_id: 'agent_el' },
        placements: () => fake.calls().length,
        close: () => fake.close(),
      };
    }
  }
}

export interface ProviderCostOptions {
  provider: BenchProvider;
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
  let path: ProviderPath | undefined;
  let bench: BenchService | undefined;
  try {
    path = await startProvider(options.provider, options.callMs);
    bench = await startBenchService({ env: path.env });
    const { service } = bench;
    path.connect(service.baseUrl);
    const c = client(service.baseUrl, service.apiKey);
    const phone = await c.post('/v1/phone-numbers', {
      phone_number: FROM,
      calls_per_second: 100,
      ...path.phone,
    });
    if (phone.status !== 201)
      throw new Error(`creating the ${options.provider} number failed: ${phone.text}`);
    const agent = await c.post('/v1/agents', {
      name: `Bench agent (${options.provider})`,
      prompt: 'You remind {{first_name}} of the appointment.',
      phone_number_id: phone.body.id,
      telephony: path.telephony,
      webhook_url: receiver.url,
      webhook_events: ['conversation.completed', 'call.failed', 'batch.completed', 'batch.failed'],
    });
    if (agent.status !== 201) throw new Error(`creating the agent failed: ${agent.text}`);
    await bench.resetCounts();

    const created = await c.post('/v1/agents/batch-calls', {
      name: `Bench ${options.provider} N=${options.concurrency}`,
      agent_id: agent.body.id,
      recipients: jsonRecipients(options.recipients),
      max_concurrent_calls: options.concurrency,
      // The fakes let a no-answer number ring until this timeout (some scaled down).
      ringing_timeout_ms: 1_000,
    });
    if (created.status !== 202) throw new Error(`create failed: ${created.text.slice(0, 300)}`);
    const batchId: string = created.body.id;

    const batch = await waitForCompletedBatch(service, batchId, options.timeoutMs);
    // Every recipient's event and the batch's: their deliveries are part of what a call costs.
    const expected = options.recipients + 1;
    const webhooksBy = Date.now() + 120_000;
    while (receiver.arrivals.length < expected) {
      if (Date.now() > webhooksBy) throw new Error('timed out waiting for the webhooks');
      await sleep(100);
    }
    const placements = path.placements();
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
    await path?.close();
    await receiver.close();
  }
}
