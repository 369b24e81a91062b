import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createPhoneCallSchema,
  RETELL_ERRORS,
  retellSignature,
  type CreatePhoneCallParams,
  webhookEventsOf,
  webhookSchema,
} from './fake-retell-schema.ts';
import { sleep } from './wait.ts';
import { readBody } from './http-body.ts';

/**
 * A local Retell, as its API reference describes it, for tests over real HTTP: `POST
 * /v2/create-phone-call` (Bearer API key, JSON validated strictly against `CallCreatePhoneCallParams`,
 * see `fake-retell-schema.ts`; 201 with the call object), `GET /v2/get-call/{call_id}`, and the
 * webhooks (docs.retellai.com/features/webhook-overview): `call_started` (not for a call that never
 * connected), `call_ended` ("all fields from the call object except call_analysis") and
 * `call_analyzed` (with it), each `{event, call}` signed with `x-retell-signature` by the API key,
 * with a 10 s timeout and "retried, up to 3 times" when not answered 2xx. `metadata` and
 * `retell_llm_dynamic_variables` are omitted from the call when the create did not give them.
 * `agent_override.agent.ring_duration_ms` (30 s by default) bounds how long 0002 rings, and
 * `agent_override.agent.webhook_events` (Retell's default three when absent) which webhooks go out.
 *
 * The called number's last four digits pick the `disconnection_reason`: 0001 dial_busy, 0002
 * dial_no_answer, 0003 dial_failed, 0004 voicemail_reached, 0005 invalid_destination; any other number
 * talks (the agent's begin message with the call's dynamic variables filled in, a reply) and ends
 * with agent_hangup. Not-connected calls get a `call_analyzed` too (an assumption: it tests that a
 * second end changes nothing).
 */

export interface FakeRetellAgent {
  /** Retell's `begin_message`, with `{{var}}` placeholders. */
  beginMessage: string;
  /** The agent's post-call analysis result (`custom_analysis_data`) for a connected call. */
  analysis: Record<string, unknown>;
}

export interface FakeRetellOptions {
  apiKey: string;
  /** The workspace's numbers (from_number must be one). */
  numbers: string[];
  agents: Record<string, FakeRetellAgent>;
  callMs?: number;
  answerDelayMs?: number;
  /** Between call_ended and call_analyzed; 300 ms unless given. */
  analysisDelayMs?: number;
  log?: (line: string) => void;
}

export interface FakeRetellCall {
  call: Record<string, unknown> & { call_id: string; to_number: string };
  request: CreatePhoneCallParams;
  webhooks: Array<{ event: string; httpStatus: number | null; tries: number }>;
}

export interface FakeRetell {
  url: string;
  /** Where webhooks go (Retell's agent- or account-level webhook URL). */
  setWebhookUrl(url: string): void;
  calls(): FakeRetellCall[];
  createRequests(): Array<{ status: number; to: string | null }>;
  rateLimitNext(n?: number): void;
  failNext(n?: number): void;
  hangNext(ms: number, n?: number): void;
  /** Never delivers this event for calls to this number (the call itself goes on). */
  dropEventTo(phone: string, event: string): void;
  close(): Promise<void>;
}

const NOT_CONNECTED: Record<string, string> = {
  '0001': 'dial_busy',
  '0002': 'dial_no_answer',
  '0003': 'dial_failed',
  '0005': 'invalid_destination',
};

function retellError(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: 'error', message }));
}

function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => vars[key] ?? '');
}

export async function startFakeRetell(options: FakeRetellOptions): Promise<FakeRetell> {
  const callMs = options.callMs ?? 600;
  const answerDelayMs = options.answerDelayMs ?? 150;
  const analysisDelayMs = options.analysisDelayMs ?? 300;
  const log = options.log ?? (() => {});
  const calls = new Map<string, FakeRetellCall>();
  const creates: Array<{ status: number; to: string | null }> = [];
  const faults = { rateLimit: 0, fail: 0, hang: 0, hangMs: 0 };
  const dropped = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let webhookUrl: string | null = null;
  let closing = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closing) fn();
    }, ms);
    timers.add(t);
  };

  const chains = new Map<string, Promise<void>>();
  function sendWebhook(entry: FakeRetellCall, event: string, call: Record<string, unknown>) {
    // Only the events the call's agent (or its per-call override) subscribes to go out.
    if (!webhookEventsOf(entry.request).has(event)) return;
    const record = { event, httpStatus: null as number | null, tries: 0 };
    entry.webhooks.push(record);
    if (dropped.has(`${entry.call.to_number} ${event}`) || webhookUrl === null) return;
    const target = webhookUrl;
    const body = JSON.stringify({ event, call });
    // A fake drifting from the documented payload fails the test (thrown outside any catch).
    webhookSchema.parse(JSON.parse(body));
    const previous = chains.get(entry.call.call_id) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (let attempt = 0; attempt < 3 && !closing; attempt++) {
        record.tries++;
        try {
          const res = await fetch(target, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-retell-signature': retellSignature(options.apiKey, body),
            },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          record.httpStatus = res.status;
          await res.body?.cancel();
          if (res.ok) return;
        } catch (error) {
          log(`fake retell: webhook ${event} failed: ${String(error)}`);
        }
        await sleep(300);
      }
    });
    chains.set(entry.call.call_id, next);
  }

  /** The call without its analysis, as `call_ended` carries it. */
  function withoutAnalysis(call: Record<string, unknown>) {
    const copy = { ...call };
    delete copy.call_analysis;
    return copy;
  }

  function run(entry: FakeRetellCall, agent: FakeRetellAgent, vars: Record<string, string>, ringMs: number) {
    const { call } = entry;
    const last4 = call.to_number.slice(-4);
    const notConnected = NOT_CONNECTED[last4];
    const analyze = (analysis: Record<string, unknown>) =>
      later(analysisDelayMs, () => {
        call.call_analysis = analysis;
        sendWebhook(entry, 'call_analyzed', { ...call });
      });
    if (notConnected) {
      // Nobody answers: it rings for ring_duration_ms (scaled down 60×, so a test stays short).
      later(last4 === '0002' ? Math.max(50, ringMs / 60) : 150, () => {
        Object.assign(call, {
          call_status: 'not_connected',
          disconnection_reason: notConnected,
          end_timestamp: Date.now(),
          duration_ms: 0,
        });
        sendWebhook(entry, 'call_ended', withoutAnalysis(call));
        analyze({ call_successful: false, in_voicemail: false, call_summary: 'The call did not connect.' });
      });
      return;
    }
    later(answerDelayMs, () => {
      Object.assign(call, { call_status: 'ongoing', start_timestamp: Date.now() });
      sendWebhook(entry, 'call_started', withoutAnalysis(call));
      later(callMs, () => {
        const voicemail = last4 === '0004';
        const begin = render(agent.beginMessage, vars);
        const end = Date.now();
        Object.assign(call, {
          call_status: 'ended',
          disconnection_reason: voicemail ? 'voicemail_reached' : 'agent_hangup',
          end_timestamp: end,
          duration_ms: end - (call.start_timestamp as number),
          transcript: voicemail ? `Agent: ${begin}\n` : `Agent: ${begin}\nUser: Yes, I will be there.\n`,
          transcript_object: [
            { role: 'agent', content: begin, words: [{ word: begin.split(' ')[0], start: 0.3, end: 0.6 }] },
            ...(voicemail
              ? []
              : [
                  {
                    role: 'user',
                    content: 'Yes, I will be there.',
                    words: [{ word: 'Yes,', start: 2.5, end: 2.8 }],
                  },
                ]),
          ],
          recording_url: `https://retell.example/recordings/${call.call_id}.wav`,
        });
        sendWebhook(entry, 'call_ended', withoutAnalysis(call));
        analyze({
          call_summary: voicemail ? 'Left a voicemail.' : 'The customer confirmed.',
          in_voicemail: voicemail,
          call_successful: !voicemail,
          user_sentiment: 'Positive',
          custom_analysis_data: voicemail ? {} : agent.analysis,
        });
      });
    });
  }

  async function createCall(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      // Left empty: the checks below name what is missing.
    }
    const entry = { status: 0, to: typeof body.to_number === 'string' ? body.to_number : null };
    creates.push(entry);
    const reply = (status: number, message: string) => {
      entry.status = status;
      retellError(res, status, message);
    };
    if (req.headers.authorization !== `Bearer ${options.apiKey}`)
      return reply(401, RETELL_ERRORS.unauthorized);
    if (faults.rateLimit > 0) {
      faults.rateLimit--;
      return reply(429, RETELL_ERRORS.rateLimited);
    }
    if (faults.fail > 0) {
      faults.fail--;
      return reply(500, RETELL_ERRORS.internal);
    }
    const parsed = createPhoneCallSchema.safeParse(body);
    if (!parsed.success) {
      log(`fake retell: refused ${JSON.stringify(parsed.error.issues.map((i) => i.path.join('.')))}`);
      return reply(400, RETELL_ERRORS.badRequest);
    }
    const request = parsed.data;
    const { from_number: from, to_number: to, override_agent_id: agentId } = request;
    if (!options.numbers.includes(from)) return reply(404, `Phone number ${from} not found`);
    if (agentId === undefined || !Object.hasOwn(options.agents, agentId)) {
      return reply(404, 'Agent not found');
    }
    const vars = request.retell_llm_dynamic_variables;
    const agent = options.agents[agentId];
    if (!agent) return reply(404, 'Agent not found');
    const call: FakeRetellCall['call'] = {
      call_type: 'phone_call',
      call_id: `call_${randomBytes(14).toString('hex')}`,
      agent_id: agentId,
      agent_version: 1,
      call_status: 'registered',
      direction: 'outbound',
      from_number: from,
      to_number: to,
      ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
      ...(vars === undefined ? {} : { retell_llm_dynamic_variables: vars }),
    };
    const fake: FakeRetellCall = { call, request, webhooks: [] };
    calls.set(call.call_id, fake);
    run(fake, agent, vars ?? {}, request.agent_override?.agent?.ring_duration_ms ?? 30_000);
    entry.status = 201;
    const answer = JSON.stringify(call);
    if (faults.hang > 0) {
      faults.hang--;
      await sleep(faults.hangMs);
      if (res.destroyed) return;
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(answer);
  }

  const server = createServer((req, res) => {
    res.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const getOne = /^\/v2\/get-call\/([^/]+)$/.exec(path);
    const handle = async () => {
      if (path === '/v2/create-phone-call' && req.method === 'POST') return createCall(req, res);
      if (getOne?.[1] && req.method === 'GET') {
        if (req.headers.authorization !== `Bearer ${options.apiKey}`)
          return retellError(res, 401, RETELL_ERRORS.unauthorized);
        const found = calls.get(decodeURIComponent(getOne[1]));
        if (!found) return retellError(res, 404, 'Call not found');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(found.call));
      }
      retellError(res, 404, `Cannot ${req.method} ${path}`);
    };
    handle().catch((error: unknown) => {
      log(`fake retell: ${String(error)}`);
      if (!res.headersSent) retellError(res, 500, 'Internal server error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setWebhookUrl: (url) => void (webhookUrl = url),
    calls: () => [...calls.values()],
    createRequests: () => [...creates],
    rateLimitNext: (n = 1) => void (faults.rateLimit += n),
    failNext: (n = 1) => void (faults.fail += n),
    hangNext: (ms, n = 1) => {
      faults.hang += n;
      faults.hangMs = ms;
    },
    dropEventTo: (phone, event) => void dropped.add(`${phone} ${event}`),
    async close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
