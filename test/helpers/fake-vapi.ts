import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  createCallDtoSchema,
  serverMessageSchema,
  vapiValidationMessages,
  type CreateCallDto,
} from './fake-vapi-schema.ts';
import { readText as readBody, sendJson as send } from './http-body.ts';

/**
 * A local server that behaves like Vapi, per its documented contract (not per our adapter):
 *
 * - `POST /call` (Bearer private key): the body must be a CreateCallDto (`fake-vapi-schema.ts`, from
 *   Vapi's SDK types); an unknown property or a wrong type is a 400 `{message: [...], error:
 *   'Bad Request', statusCode: 400}` as Vapi's validation answers; 201 with the Call object
 *   (`src/api/types/Call.ts`: `id`, `orgId`, `createdAt`, `updatedAt`, `type`, `status`, `assistantId`,
 *   `assistantOverrides`, `phoneNumberId`, `customer`; a Call has no top-level `metadata`); 401
 *   `Invalid Key` for a bad key. `GET /call/{id}` returns the Call.
 * - Server messages posted to the server URL as `{message: …}` (ServerMessage.ts), only the types in
 *   `assistantOverrides.serverMessages` when the call set it ("These are the messages that will be
 *   sent to your Server URL"; else the default list, with both of these): `status-update`
 *   (ServerMessageStatusUpdate.ts: `type`, `status`, `timestamp`, `call`, `customer`, `phoneNumber`,
 *   `endedReason` once ended) and then once, without retry (Server.ts: "Defaults to undefined (the
 *   request will not be retried)"), `end-of-call-report` (ServerMessageEndOfCallReport.ts: `type`,
 *   `endedReason`, `artifact`, `analysis` required; `timestamp`, `cost`, `call`, `customer`,
 *   `phoneNumber`, `startedAt`, `endedAt`). No `durationSeconds`: the SDK does not document one.
 * - Server authentication (docs.vapi.ai/server-url/server-authentication): a Bearer Token custom
 *   credential sends `Authorization: Bearer <token>` (the default); the legacy inline `secret` (or a
 *   credential with header `X-Vapi-Secret` and no prefix) sends `X-Vapi-Secret: <token>`; no
 *   credential sends neither.
 *
 * The called number's last four digits choose `endedReason`: 0001 customer-busy, 0002
 * customer-did-not-answer, 0003 twilio-failed-to-connect-call, 0004 voicemail; 9999 is refused at
 * `POST /call`; any other number talks and ends with customer-ended-call.
 */

export type FakeVapiServerAuth =
  { kind: 'bearer'; token: string } | { kind: 'x-vapi-secret'; token: string } | { kind: 'none' };

export interface FakeVapiOptions {
  apiKey: string;
  /** How server messages authenticate (the server's credential in Vapi's dashboard). */
  serverAuth: FakeVapiServerAuth;
  phoneNumbers: Record<string, { number: string }>;
  assistants: Record<string, { firstMessage: string }>;
  callMs?: number;
}

export interface FakeVapiFaults {
  rejectCredentials: boolean;
  rateLimitNext: number;
  serverErrorNext: number;
  hangNext: number;
  dropServerMessages: boolean;
}

export interface FakeVapiCall {
  id: string;
  to: string;
  variableValues: Record<string, unknown>;
  /** The call's `assistantOverrides` as Vapi stored it (and echoes it in every server message). */
  assistantOverrides: Record<string, unknown>;
  status: string;
}

export interface FakeVapi {
  url: string;
  /** The server URL (set on the assistant, number or org in Vapi's dashboard). */
  serverUrl: string | null;
  /** Starts as `options.serverAuth`; a test may switch it, as an operator would in the dashboard. */
  serverAuth: FakeVapiServerAuth;
  faults: FakeVapiFaults;
  calls(): FakeVapiCall[];
  createRequests(): Array<{ to: string | null; status: number }>;
  serverMessages(): Array<{ type: string; callId: string; status: number }>;
  close(): Promise<void>;
}

function endedReasonOf(to: string): string {
  const last = to.slice(-4);
  if (last === '0001') return 'customer-busy';
  if (last === '0002') return 'customer-did-not-answer';
  if (last === '0003') return 'twilio-failed-to-connect-call';
  if (last === '0004') return 'voicemail';
  return 'customer-ended-call';
}

export async function startFakeVapi(options: FakeVapiOptions): Promise<FakeVapi> {
  const callMs = options.callMs ?? 300;
  const calls = new Map<string, Record<string, unknown>>();
  const creates: Array<{ to: string | null; status: number }> = [];
  const messages: Array<{ type: string; callId: string; status: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const faults: FakeVapiFaults = {
    rejectCredentials: false,
    rateLimitNext: 0,
    serverErrorNext: 0,
    hangNext: 0,
    dropServerMessages: false,
  };
  const later = (ms: number, fn: () => void | Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void fn();
    }, ms);
    timers.add(timer);
  };

  function authHeaders(): Record<string, string> {
    const auth = fake.serverAuth;
    if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
    if (auth.kind === 'x-vapi-secret') return { 'x-vapi-secret': auth.token };
    return {};
  }

  async function serverMessage(call: Record<string, unknown>, message: Record<string, unknown>) {
    if (faults.dropServerMessages || fake.serverUrl === null) return;
    // Only the types the call asked for (`assistantOverrides.serverMessages`, else the assistant's
    // default list, which has both status-update and end-of-call-report).
    const wanted = (call.assistantOverrides as { serverMessages?: string[] } | undefined)?.serverMessages;
    if (wanted && !wanted.includes(String(message.type))) return;
    const phoneNumberId = String(call.phoneNumberId);
    const envelope = {
      message: {
        ...message,
        timestamp: Date.now(),
        call,
        customer: call.customer,
        phoneNumber: { id: phoneNumberId, number: options.phoneNumbers[phoneNumberId]?.number },
      },
    };
    // JSON drops what is undefined, as Vapi's serializer does; then it must be a documented message
    // (outside the try: a fake that drifts from the docs must fail the test, not pass as "lost").
    const body = JSON.stringify(envelope);
    serverMessageSchema.parse(JSON.parse(body));
    let status: number;
    try {
      const res = await fetch(fake.serverUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders() },
        body,
      });
      status = res.status;
      await res.body?.cancel();
    } catch {
      status = -1;
    }
    messages.push({ type: String(message.type), callId: String(call.id), status });
  }

  function runCall(call: Record<string, unknown>, to: string, vars: Record<string, unknown>) {
    const reason = endedReasonOf(to);
    const talks = reason === 'customer-ended-call' || reason === 'voicemail';
    const assistant = options.assistants[String(call.assistantId)];
    later(callMs / 6, async () => {
      call.status = 'ringing';
      await serverMessage(call, { type: 'status-update', status: 'ringing' });
    });
    later(callMs / 3, async () => {
      if (!talks) return;
      call.status = 'in-progress';
      call.startedAt = new Date().toISOString();
      await serverMessage(call, { type: 'status-update', status: 'in-progress' });
    });
    later(callMs, async () => {
      const first = (assistant?.firstMessage ?? 'Hello').replace(/\{\{\s*([\w-]+)\s*\}\}/g, (_, k: string) =>
        String(vars[k] ?? ''),
      );
      const t0 = Date.now() - callMs;
      const spoken =
        reason === 'voicemail'
          ? [{ role: 'bot', message: first, time: t0, secondsFromStart: 0.4 }]
          : talks
            ? [
                { role: 'system', message: 'You are a helpful assistant.', time: t0, secondsFromStart: 0 },
                { role: 'bot', message: first, time: t0, secondsFromStart: 0.5 },
                { role: 'user', message: 'Yes, I will be there.', time: t0 + 2000, secondsFromStart: 2.1 },
                { role: 'bot', message: 'Perfect, goodbye!', time: t0 + 3000, secondsFromStart: 3 },
              ]
            : [];
      const endedAt = new Date().toISOString();
      const analysis = talks
        ? {
            summary: reason === 'voicemail' ? 'Left a voicemail.' : 'The customer confirmed.',
            structuredData: reason === 'voicemail' ? {} : { callback_time: 'Friday 9am', confirmed: true },
            successEvaluation: reason === 'voicemail' ? 'false' : 'true',
          }
        : {};
      const artifact = {
        messages: spoken,
        transcript: spoken.map((m) => `${m.role === 'bot' ? 'AI' : 'User'}: ${m.message}`).join('\n'),
        recordingUrl: talks ? `https://storage.vapi.ai/${String(call.id)}-mono.wav` : undefined,
      };
      Object.assign(call, { status: 'ended', endedReason: reason, endedAt, artifact, analysis });
      if (!talks) delete call.startedAt;
      await serverMessage(call, { type: 'status-update', status: 'ended', endedReason: reason });
      await serverMessage(call, {
        type: 'end-of-call-report',
        endedReason: reason,
        artifact,
        analysis,
        startedAt: call.startedAt,
        endedAt,
        cost: 0.05,
      });
    });
  }

  async function createCall(req: IncomingMessage, res: ServerResponse) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readBody(req));
    } catch {
      creates.push({ to: null, status: 400 });
      return send(res, 400, { message: 'Unexpected token in JSON', error: 'Bad Request', statusCode: 400 });
    }
    const loose = raw as { customer?: { number?: unknown } } | null;
    const to: string | null = typeof loose?.customer?.number === 'string' ? loose.customer.number : null;
    const bad = (message: string | string[]) => {
      creates.push({ to, status: 400 });
      send(res, 400, { message, error: 'Bad Request', statusCode: 400 });
    };
    if (faults.rateLimitNext > 0) {
      faults.rateLimitNext--;
      creates.push({ to, status: 429 });
      res.setHeader('retry-after', '1');
      return send(res, 429, { message: 'Too Many Requests', error: 'Too Many Requests', statusCode: 429 });
    }
    const parsed = createCallDtoSchema.safeParse(raw);
    if (!parsed.success) return bad(vapiValidationMessages(parsed.error));
    const body: CreateCallDto = parsed.data;
    if (to === null) return bad(['customer.number must be a valid phone number in the E.164 format.']);
    if (body.assistantId === undefined || !options.assistants[body.assistantId])
      return bad(`Couldn't Get Assistant. \`assistantId\` ${String(body.assistantId)} Does Not Exist.`);
    if (body.phoneNumberId === undefined || !options.phoneNumbers[body.phoneNumberId])
      return bad(
        `Couldn't Get Phone Number. \`phoneNumberId\` ${String(body.phoneNumberId)} Does Not Exist.`,
      );
    if (to.endsWith('9999')) return bad(`Number ${to} is not allowed: it is on the do-not-call list.`);
    const vars = body.assistantOverrides?.variableValues ?? {};
    const now = new Date().toISOString();
    const call: Record<string, unknown> = {
      id: randomUUID(),
      orgId: 'org_local',
      type: 'outboundPhoneCall',
      status: 'queued',
      assistantId: body.assistantId,
      phoneNumberId: body.phoneNumberId,
      customer: { number: to },
      ...(body.assistantOverrides === undefined ? {} : { assistantOverrides: body.assistantOverrides }),
      createdAt: now,
      updatedAt: now,
    };
    calls.set(String(call.id), call);
    runCall(call, to, vars);
    if (faults.hangNext > 0) {
      faults.hangNext--;
      creates.push({ to, status: 0 });
      return;
    }
    if (faults.serverErrorNext > 0) {
      faults.serverErrorNext--;
      creates.push({ to, status: 500 });
      return send(res, 500, { message: 'Internal server error', statusCode: 500 });
    }
    creates.push({ to, status: 201 });
    send(res, 201, call);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    void (async () => {
      if (faults.rejectCredentials || req.headers.authorization !== `Bearer ${options.apiKey}`) {
        if (req.method === 'POST' && path === '/call') creates.push({ to: null, status: 401 });
        await readBody(req);
        return send(res, 401, {
          message:
            'Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.',
          error: 'Unauthorized',
          statusCode: 401,
        });
      }
      if (req.method === 'POST' && path === '/call') return createCall(req, res);
      const one = /^\/call\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && one) {
        const call = calls.get(decodeURIComponent(one[1] ?? ''));
        if (!call) return send(res, 404, { message: 'Not Found', statusCode: 404 });
        return send(res, 200, call);
      }
      send(res, 404, { message: `Cannot ${req.method} ${path}`, error: 'Not Found', statusCode: 404 });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(error), statusCode: 500 });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const fake: FakeVapi = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serverUrl: null,
    serverAuth: options.serverAuth,
    faults,
    calls: () =>
      [...calls.values()].map((call) => ({
        id: String(call.id),
        to: String((call.customer as { number: string }).number),
        variableValues: ((call.assistantOverrides as { variableValues?: Record<string, unknown> } | undefined)
          ?.variableValues ?? {}) as Record<string, unknown>,
        assistantOverrides: (call.assistantOverrides ?? {}) as Record<string, unknown>,
        status: String(call.status),
      })),
    createRequests: () => [...creates],
    serverMessages: () => [...messages],
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
