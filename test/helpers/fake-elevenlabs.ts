import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  elevenLabsSignature,
  sipTrunkOutboundCallSchema,
  twilioOutboundCallSchema,
  validationDetail,
  webhookSchema,
} from './fake-elevenlabs-schema.ts';
import { readText as readBody, sendJson as send } from './http-body.ts';

/**
 * A local server that behaves like ElevenLabs Agents, per its documented contract (not per our
 * adapter): `POST /v1/convai/{twilio|sip-trunk}/outbound-call` (header `xi-api-key`; the body
 * validated strictly against the SDK's request types, see `fake-elevenlabs-schema.ts`: 422
 * `{detail: [{loc, msg, type}]}` for a missing, mistyped or unknown field; 200 `{success, message,
 * conversation_id, callSid | sip_call_id}`, 401 for a bad key, 404 for an unknown agent or number),
 * `GET /v1/convai/phone-numbers/{id}`, `GET /v1/convai/conversations/{id}`, and the post-call webhooks
 * (elevenlabs.io/docs/eleven-agents/workflows/post-call-webhooks: `post_call_transcription`,
 * `call_initiation_failure`, each `{type, event_timestamp, data}`) signed with `ElevenLabs-Signature:
 * t=…,v0=…`. Each is sent once: retries are opt-in per webhook in ElevenLabs (off by default,
 * elevenlabs.io/docs/eleven-api/resources/webhooks) and this fake models the default.
 * `telephony_call_config.ringing_timeout_secs` bounds how long a 0002 number rings (scaled down).
 *
 * The called number's last four digits choose the outcome, as in the simulated network: 0001 busy,
 * 0002 no-answer, 0003 a failure ElevenLabs reports as "unknown", 0004 voicemail; 9999 is a number
 * the telephony provider refuses (`success: false`); any other number answers and talks.
 */

export interface FakeElevenLabsAgent {
  firstMessage: string;
  evaluationCriteria: string[];
  dataCollection: string[];
}

export interface FakeElevenLabsOptions {
  apiKey: string;
  webhookSecret: string;
  phoneNumbers: Record<string, { number: string; provider: 'twilio' | 'sip_trunk' }>;
  agents: Record<string, FakeElevenLabsAgent>;
  /** How long a call lasts before its webhook; 300 ms unless given. */
  callMs?: number;
}

export interface FakeElevenLabsCall {
  conversationId: string;
  to: string;
  path: string;
  dynamicVariables: Record<string, unknown>;
  /** The request's `telephony_call_config`, as sent. */
  telephonyCallConfig: { ringing_timeout_secs?: number | undefined } | undefined;
  status: 'initiated' | 'in-progress' | 'processing' | 'done' | 'failed';
  placedAt: number;
}

export interface FakeElevenLabsFaults {
  /** Every request is refused with 401, as for a revoked key. */
  rejectCredentials: boolean;
  /** The next N outbound-call requests are answered 429 without placing anything. */
  rateLimitNext: number;
  /** The next N outbound-call requests place the call and then answer 500. */
  serverErrorNext: number;
  /** The next N outbound-call requests place the call and never answer. */
  hangNext: number;
  /** Calls end, but their webhooks are never sent (only reconciliation can find out). */
  dropWebhooks: boolean;
}

export interface FakeElevenLabs {
  url: string;
  /** Where webhooks go (the workspace's post-call webhook URL, set in ElevenLabs' console). */
  webhookUrl: string | null;
  faults: FakeElevenLabsFaults;
  calls(): FakeElevenLabsCall[];
  /** Every outbound-call request received, placed or not. */
  outboundRequests(): Array<{ to: string | null; status: number }>;
  webhooks(): Array<{ type: string; conversationId: string; status: number }>;
  close(): Promise<void>;
}

interface CallState extends FakeElevenLabsCall {
  agentId: string;
  conversation: Record<string, unknown>;
  outcome: 'answered' | 'voicemail' | 'busy' | 'no-answer' | 'unknown';
}

function render(text: string, vars: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([\w-]+)\s*\}\}/g, (_, key: string) => String(vars[key] ?? ''));
}

function outcomeOf(to: string): CallState['outcome'] {
  const last = to.slice(-4);
  if (last === '0001') return 'busy';
  if (last === '0002') return 'no-answer';
  if (last === '0003') return 'unknown';
  if (last === '0004') return 'voicemail';
  return 'answered';
}

const E164 = /^\+[1-9]\d{7,14}$/;

export async function startFakeElevenLabs(options: FakeElevenLabsOptions): Promise<FakeElevenLabs> {
  const callMs = options.callMs ?? 300;
  const calls = new Map<string, CallState>();
  const outbound: Array<{ to: string | null; status: number }> = [];
  const webhooks: Array<{ type: string; conversationId: string; status: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const faults: FakeElevenLabsFaults = {
    rejectCredentials: false,
    rateLimitNext: 0,
    serverErrorNext: 0,
    hangNext: 0,
    dropWebhooks: false,
  };

  const later = (ms: number, fn: () => void | Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void fn();
    }, ms);
    timers.add(timer);
  };

  async function postWebhook(type: string, conversationId: string, data: unknown) {
    if (faults.dropWebhooks || fake.webhookUrl === null) return;
    const body = JSON.stringify({ type, event_timestamp: Math.floor(Date.now() / 1000), data });
    // A fake drifting from the documented payload fails the test (thrown outside any catch).
    webhookSchema.parse(JSON.parse(body));
    let status: number;
    try {
      const res = await fetch(fake.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ElevenLabs-Signature': elevenLabsSignature(options.webhookSecret, body),
        },
        body,
      });
      status = res.status;
      await res.body?.cancel();
    } catch {
      status = -1;
    }
    webhooks.push({ type, conversationId, status });
  }

  function conversationOf(call: CallState): Record<string, unknown> {
    return {
      agent_id: call.agentId,
      conversation_id: call.conversationId,
      status: call.status,
      has_audio: false,
      has_user_audio: false,
      has_response_audio: false,
      ...call.conversation,
    };
  }

  function runCall(call: CallState) {
    const agent = options.agents[call.agentId];
    later(callMs / 3, () => {
      if (call.outcome === 'answered' || call.outcome === 'voicemail') call.status = 'in-progress';
    });
    // Nobody answers: it rings for ringing_timeout_secs (ElevenLabs leaves the default to the
    // telephony provider: Twilio's is 60 s), scaled down 60× so a test stays short.
    const ringsMs = Math.max(50, ((call.telephonyCallConfig?.ringing_timeout_secs ?? 60) * 1000) / 60);
    later(call.outcome === 'no-answer' ? ringsMs : callMs, async () => {
      const started = Math.floor(call.placedAt / 1000);
      if (call.outcome === 'busy' || call.outcome === 'no-answer' || call.outcome === 'unknown') {
        call.status = 'failed';
        call.conversation = {
          transcript: [],
          metadata: { start_time_unix_secs: started, call_duration_secs: 0, termination_reason: '' },
          analysis: null,
          conversation_initiation_client_data: { dynamic_variables: call.dynamicVariables },
        };
        // The documented failure payload: the reason and the telephony provider's own data.
        await postWebhook('call_initiation_failure', call.conversationId, {
          agent_id: call.agentId,
          conversation_id: call.conversationId,
          failure_reason: call.outcome,
          metadata: { type: 'twilio', body: { CallStatus: call.outcome, Direction: 'outbound-api' } },
        });
        return;
      }
      const vars = call.dynamicVariables;
      const first = render(agent?.firstMessage ?? 'Hello', vars);
      const voicemail = call.outcome === 'voicemail';
      const transcript = voicemail
        ? [{ role: 'agent', message: first, time_in_call_secs: 0, tool_calls: [], feedback: null }]
        : [
            { role: 'agent', message: first, time_in_call_secs: 0, tool_calls: [], feedback: null },
            { role: 'user', message: 'Yes, that works for me.', time_in_call_secs: 3, feedback: null },
            { role: 'agent', message: null, time_in_call_secs: 4, tool_calls: [{ tool_name: 'end_call' }] },
            { role: 'agent', message: 'Great, see you then. Goodbye!', time_in_call_secs: 5 },
          ];
      const duration = Math.max(1, Math.round(callMs / 1000));
      call.status = 'processing';
      call.conversation = {
        transcript,
        metadata: {
          start_time_unix_secs: started,
          call_duration_secs: duration,
          cost: 120,
          termination_reason: voicemail ? 'Voicemail detected' : 'Call ended by remote party',
          phone_call: { direction: 'outbound', type: 'twilio', call_sid: `CA${call.conversationId}` },
        },
        analysis: {
          evaluation_criteria_results: Object.fromEntries(
            (agent?.evaluationCriteria ?? []).map((id) => [
              id,
              {
                criteria_id: id,
                result: voicemail ? 'unknown' : 'success',
                rationale: voicemail ? 'Nobody answered.' : 'The customer agreed.',
              },
            ]),
          ),
          data_collection_results: Object.fromEntries(
            (agent?.dataCollection ?? []).map((id) => [
              id,
              {
                data_collection_id: id,
                value: voicemail ? null : 'tomorrow at 10',
                json_schema: { type: 'string', description: id },
                rationale: voicemail ? 'Not mentioned.' : 'The customer said tomorrow at 10.',
              },
            ]),
          ),
          call_successful: voicemail ? 'unknown' : 'success',
          transcript_summary: voicemail ? 'Reached voicemail.' : 'The customer confirmed.',
        },
        conversation_initiation_client_data: {
          conversation_config_override: { agent: { prompt: null, first_message: null, language: 'en' } },
          dynamic_variables: { ...vars, system__call_duration_secs: duration },
        },
        has_audio: true,
        has_user_audio: !voicemail,
        has_response_audio: true,
      };
      // Analysis runs after the call; the webhook follows it.
      later(Math.min(100, callMs / 3), async () => {
        call.status = 'done';
        await postWebhook('post_call_transcription', call.conversationId, conversationOf(call));
      });
    });
  }

  async function outboundCall(req: IncomingMessage, res: ServerResponse, path: string) {
    const record = (to: string | null, status: number) => outbound.push({ to, status });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      record(null, 422);
      return send(res, 422, {
        detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} }],
      });
    }
    const to = typeof body.to_number === 'string' ? body.to_number : null;
    const transport = path.includes('/sip-trunk/') ? 'sip_trunk' : 'twilio';
    const parsed = (transport === 'twilio' ? twilioOutboundCallSchema : sipTrunkOutboundCallSchema).safeParse(
      body,
    );
    if (!parsed.success) {
      record(to, 422);
      return send(res, 422, { detail: validationDetail(parsed.error) });
    }
    const request = parsed.data;
    const vars: Record<string, unknown> =
      request.conversation_initiation_client_data?.dynamic_variables ?? {};
    if (faults.rateLimitNext > 0) {
      faults.rateLimitNext--;
      record(to, 429);
      res.setHeader('retry-after', '1');
      return send(res, 429, {
        detail: { status: 'too_many_concurrent_requests', message: 'Too many requests' },
      });
    }
    const agentId = request.agent_id;
    const phone = options.phoneNumbers[request.agent_phone_number_id];
    if (!options.agents[agentId]) {
      record(to, 404);
      return send(res, 404, { detail: { status: 'agent_not_found', message: 'Agent not found' } });
    }
    if (!phone) {
      record(to, 404);
      return send(res, 404, {
        detail: { status: 'phone_number_not_found', message: 'Phone number not found' },
      });
    }
    if (phone.provider !== transport) {
      record(to, 400);
      return send(res, 400, {
        detail: { status: 'invalid_phone_number', message: `The phone number is not a ${transport} number` },
      });
    }
    if (to === null || !E164.test(to)) {
      record(to, 422);
      return send(res, 422, {
        detail: [{ type: 'value_error', loc: ['body', 'to_number'], msg: 'Invalid phone number' }],
      });
    }
    if (to.endsWith('9999')) {
      record(to, 200);
      return send(res, 200, {
        success: false,
        message: 'Failed to initiate call: the destination number is not reachable from this number',
        conversation_id: null,
        callSid: null,
      });
    }

    const conversationId = `conv_${randomBytes(12).toString('hex')}`;
    const call: CallState = {
      conversationId,
      to,
      path,
      dynamicVariables: vars,
      telephonyCallConfig: request.telephony_call_config,
      status: 'initiated',
      placedAt: Date.now(),
      agentId,
      conversation: {
        transcript: [],
        metadata: { start_time_unix_secs: Math.floor(Date.now() / 1000), call_duration_secs: 0 },
        analysis: null,
        conversation_initiation_client_data: { dynamic_variables: vars },
      },
      outcome: outcomeOf(to),
    };
    calls.set(conversationId, call);
    runCall(call);

    if (faults.hangNext > 0) {
      faults.hangNext--;
      record(to, 0);
      return; // The call is placed; the answer never comes (the socket closes when the server does).
    }
    if (faults.serverErrorNext > 0) {
      faults.serverErrorNext--;
      record(to, 500);
      return send(res, 500, { detail: { status: 'internal_error', message: 'Internal server error' } });
    }
    record(to, 200);
    send(res, 200, {
      success: true,
      message: 'Success',
      conversation_id: conversationId,
      ...(transport === 'twilio'
        ? { callSid: `CA${randomBytes(16).toString('hex')}` }
        : { sip_call_id: 'sip-1' }),
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    void (async () => {
      if (faults.rejectCredentials || req.headers['xi-api-key'] !== options.apiKey) {
        if (req.method === 'POST' && path.endsWith('/outbound-call'))
          outbound.push({ to: null, status: 401 });
        await readBody(req);
        return send(res, 401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
      }
      if (
        req.method === 'POST' &&
        (path === '/v1/convai/twilio/outbound-call' || path === '/v1/convai/sip-trunk/outbound-call')
      ) {
        return outboundCall(req, res, path);
      }
      const phone = /^\/v1\/convai\/phone-numbers\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && phone) {
        const id = decodeURIComponent(phone[1] ?? '');
        const found = options.phoneNumbers[id];
        if (!found)
          return send(res, 404, {
            detail: { status: 'phone_number_not_found', message: 'Phone number not found' },
          });
        return send(res, 200, {
          phone_number: found.number,
          label: 'Outbound',
          phone_number_id: id,
          provider: found.provider,
          assigned_agent: null,
        });
      }
      const conversation = /^\/v1\/convai\/conversations\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && conversation) {
        const call = calls.get(decodeURIComponent(conversation[1] ?? ''));
        if (!call)
          return send(res, 404, {
            detail: { status: 'conversation_not_found', message: 'Conversation not found' },
          });
        return send(res, 200, conversationOf(call));
      }
      send(res, 404, { detail: 'Not Found' });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { detail: String(error) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeElevenLabs = {
    url: `http://127.0.0.1:${port}`,
    webhookUrl: null,
    faults,
    calls: () =>
      [...calls.values()].map(
        ({ conversationId, to, path, dynamicVariables, telephonyCallConfig, status, placedAt }) => ({
          conversationId,
          to,
          path,
          dynamicVariables,
          telephonyCallConfig,
          status,
          placedAt,
        }),
      ),
    outboundRequests: () => [...outbound],
    webhooks: () => [...webhooks],
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
