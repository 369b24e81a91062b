import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CALL_CREATE_PARAMETERS,
  MACHINE_DETECTION,
  STATUS_CALLBACK_EVENTS,
  TIMEOUT_SECONDS,
  twilioRequestSignature,
} from './fake-twilio-schema.ts';
import { sleep } from './wait.ts';
import { readBody } from './http-body.ts';

/**
 * A local Twilio Programmable Voice, as its documentation describes it, for tests over real HTTP:
 * `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (form-encoded, basic auth AccountSid:AuthToken,
 * Twilio's error bodies `{code, message, more_info, status}` and codes; the parameters checked
 * against twilio-node's `CallListInstanceCreateOptions`, see `fake-twilio-schema.ts`: an unknown one
 * is ignored with a 20001 warning, as Twilio does), `GET …/Calls/{CallSid}.json`, and each call's
 * status callbacks (twilio.com/docs/voice/api/call-resource#statuscallback: the requested
 * `StatusCallbackEvent`s, the final one always), form-encoded and signed with `X-Twilio-Signature`
 * over the StatusCallback URL as given, by the fake's own implementation of twilio-node's scheme.
 *
 * The called number's last four digits pick what happens: 0001 busy, 0002 rings until `Timeout`
 * then no-answer, 0003 failed, 0004 a machine answers (AnsweredBy machine_start); any other number
 * is answered by a person (AnsweredBy human).
 */

export interface FakeTwilioOptions {
  /** Account SID → auth token. */
  accounts: Record<string, string>;
  /** How long an answered call talks; 600 ms unless given. */
  callMs?: number;
  /** Ringing before a call is answered; 150 ms unless given. */
  answerDelayMs?: number;
  log?: (line: string) => void;
}

export interface FakeTwilioCallback {
  event: string;
  callStatus: string;
  httpStatus: number | null;
}

export interface FakeTwilioCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  /** The create request's form, every value of every parameter. */
  form: Record<string, string[]>;
  status: string;
  answeredBy: string | null;
  dateCreated: string;
  startTime: string | null;
  endTime: string | null;
  duration: number | null;
  callbacks: FakeTwilioCallback[];
}

export interface FakeTwilio {
  url: string;
  calls(): FakeTwilioCall[];
  /** Every create request, whatever its answer (status code and the To number). */
  createRequests(): Array<{ status: number; to: string | null }>;
  /** Fault switches: the next n create requests get this treatment. */
  rateLimitNext(n?: number): void;
  failNext(n?: number): void;
  /** Places the call but answers the create request only after `ms` (the client has given up). */
  hangNext(ms: number, n?: number): void;
  /** Never sends the status callbacks of calls to this number (they are lost), though the calls go on. */
  dropCallbacksTo(phone: string): void;
  /** Twilio's Debugger: the 20001 "Unknown parameters" warnings of accepted create requests. */
  warnings(): Array<{ code: number; parameters: string[] }>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** RFC 2822, as Twilio writes dates: `Tue, 05 May 2026 14:00:30 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function twilioError(res: ServerResponse, status: number, code: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

export async function startFakeTwilio(options: FakeTwilioOptions): Promise<FakeTwilio> {
  const callMs = options.callMs ?? 600;
  const answerDelayMs = options.answerDelayMs ?? 150;
  const log = options.log ?? (() => {});
  const calls = new Map<string, FakeTwilioCall>();
  const creates: Array<{ status: number; to: string | null }> = [];
  const faults = { rateLimit: 0, fail: 0, hang: 0, hangMs: 0 };
  const dropped = new Set<string>();
  const warnings: Array<{ code: number; parameters: string[] }> = [];
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closing) fn();
    }, ms);
    timers.add(t);
  };

  function authorized(req: IncomingMessage, accountSid: string): boolean {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const token = decoded.slice(colon + 1);
    return colon > 0 && user === accountSid && options.accounts[accountSid] === token;
  }

  /** One status callback, in order after the previous ones of the same call. */
  const chains = new Map<string, Promise<void>>();
  function sendCallback(call: FakeTwilioCall, event: string) {
    const statusCallback = call.form.StatusCallback?.[0];
    if (!statusCallback) return;
    const requested = call.form.StatusCallbackEvent ?? [];
    // The final status is always reported; the others only when asked for.
    if (event !== 'completed' && !requested.includes(event)) return;
    const params: Record<string, string> = {
      AccountSid: call.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.status,
      Called: call.to,
      Caller: call.from,
      Direction: 'outbound-api',
      From: call.from,
      To: call.to,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(call.callbacks.length),
      Timestamp: rfc2822(new Date()),
    };
    if (call.answeredBy && call.form.MachineDetection) params.AnsweredBy = call.answeredBy;
    if (event === 'completed' && call.duration !== null) {
      params.CallDuration = String(call.duration);
      params.Duration = String(Math.ceil(call.duration / 60));
    }
    const record: FakeTwilioCallback = { event, callStatus: call.status, httpStatus: null };
    call.callbacks.push(record);
    if (dropped.has(call.to)) return;
    const token = options.accounts[call.accountSid] ?? '';
    const signature = twilioRequestSignature(token, statusCallback, params);
    const previous = chains.get(call.sid) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (closing) return;
      try {
        const res = await fetch(statusCallback, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signature,
            'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
          },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(15_000),
        });
        record.httpStatus = res.status;
        await res.body?.cancel();
      } catch (error) {
        log(`fake twilio: callback ${event} of ${call.sid} failed: ${String(error)}`);
      }
    });
    chains.set(call.sid, next);
  }

  function finish(call: FakeTwilioCall, status: string) {
    call.status = status;
    call.endTime = rfc2822(new Date());
    if (status !== 'completed') call.duration = 0;
    sendCallback(call, 'completed');
  }

  /** The call's life, from queued to its final status, as Twilio would report it. */
  function run(call: FakeTwilioCall, timeoutSeconds: number) {
    const last4 = call.to.slice(-4);
    later(20, () => {
      call.status = 'initiated';
      sendCallback(call, 'initiated');
      if (last4 === '0003') return later(50, () => finish(call, 'failed'));
      later(50, () => {
        call.status = 'ringing';
        sendCallback(call, 'ringing');
        if (last4 === '0001') return later(200, () => finish(call, 'busy'));
        if (last4 === '0002') return later(timeoutSeconds * 1000, () => finish(call, 'no-answer'));
        later(answerDelayMs, () => {
          call.status = 'in-progress';
          call.startTime = rfc2822(new Date());
          call.answeredBy = last4 === '0004' ? 'machine_start' : 'human';
          sendCallback(call, 'answered');
          const started = Date.now();
          later(callMs, () => {
            call.duration = Math.round((Date.now() - started) / 1000);
            finish(call, 'completed');
          });
        });
      });
    });
  }

  function resource(call: FakeTwilioCall) {
    return {
      sid: call.sid,
      account_sid: call.accountSid,
      to: call.to,
      from: call.from,
      status: call.status,
      direction: 'outbound-api',
      api_version: '2010-04-01',
      answered_by: call.answeredBy,
      date_created: call.dateCreated,
      date_updated: rfc2822(new Date()),
      start_time: call.startTime,
      end_time: call.endTime,
      duration: call.duration === null ? null : String(call.duration),
      price: null,
      uri: `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}.json`,
    };
  }

  async function createCall(req: IncomingMessage, res: ServerResponse, accountSid: string) {
    const raw = await readBody(req);
    const form = new Map<string, string[]>();
    for (const [key, value] of new URLSearchParams(raw.toString('utf8')))
      form.set(key, [...(form.get(key) ?? []), value]);
    const get = (name: string) => form.get(name)?.[0];
    const entry = { status: 0, to: get('To') ?? null };
    creates.push(entry);
    const reply = (status: number, code: number, message: string) => {
      entry.status = status;
      twilioError(res, status, code, message);
    };
    if (!authorized(req, accountSid)) return reply(401, 20003, 'Authenticate');
    if (faults.rateLimit > 0) {
      faults.rateLimit--;
      return reply(429, 20429, 'Too Many Requests');
    }
    if (faults.fail > 0) {
      faults.fail--;
      return reply(500, 20500, 'Internal Server Error');
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return reply(400, 20001, 'The request body must be application/x-www-form-urlencoded');
    }
    const to = get('To');
    const from = get('From');
    const url = get('Url');
    if (!to) return reply(400, 21201, "No 'To' number is specified");
    if (!E164.test(to)) return reply(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!from) return reply(400, 21213, "No 'From' number is specified");
    if (!E164.test(from)) return reply(400, 21212, `Invalid 'From' Phone Number: ${from}`);
    if (!url || !/^https?:\/\//.test(url)) return reply(400, 21205, 'Url is not a valid URL');
    const statusCallback = get('StatusCallback');
    if (statusCallback !== undefined && !/^https?:\/\//.test(statusCallback)) {
      return reply(400, 21609, 'Invalid StatusCallback URL');
    }
    if ((get('StatusCallbackMethod') ?? 'POST') !== 'POST') {
      return reply(400, 21610, 'This fake sends status callbacks with POST only');
    }
    for (const event of form.get('StatusCallbackEvent') ?? []) {
      if (!STATUS_CALLBACK_EVENTS.has(event))
        return reply(400, 21626, `Invalid StatusCallbackEvent: ${event}`);
    }
    const timeout = Number(get('Timeout') ?? String(TIMEOUT_SECONDS.default));
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > TIMEOUT_SECONDS.max) {
      return reply(400, 21216, `Timeout must be an integer from 1 to ${TIMEOUT_SECONDS.max}`);
    }
    const machineDetection = get('MachineDetection');
    if (machineDetection !== undefined && !MACHINE_DETECTION.has(machineDetection)) {
      return reply(400, 21626, `Invalid MachineDetection: ${machineDetection}`);
    }
    const unknown = [...form.keys()].filter((name) => !CALL_CREATE_PARAMETERS.has(name));
    if (unknown.length > 0) warnings.push({ code: 20001, parameters: unknown });

    const call: FakeTwilioCall = {
      sid: `CA${randomBytes(16).toString('hex')}`,
      accountSid,
      to,
      from,
      form: Object.fromEntries(form),
      status: 'queued',
      answeredBy: null,
      dateCreated: rfc2822(new Date()),
      startTime: null,
      endTime: null,
      duration: null,
      callbacks: [],
    };
    calls.set(call.sid, call);
    run(call, timeout);
    entry.status = 201;
    const body = JSON.stringify(resource(call));
    if (faults.hang > 0) {
      faults.hang--;
      // The call is placed; only the answer is late, so the client cannot know it was.
      await sleep(faults.hangMs);
      if (res.destroyed) return;
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(body);
  }

  function getCall(req: IncomingMessage, res: ServerResponse, accountSid: string, callSid: string) {
    if (!authorized(req, accountSid)) return twilioError(res, 401, 20003, 'Authenticate');
    const call = calls.get(callSid);
    if (!call || call.accountSid !== accountSid) {
      return twilioError(
        res,
        404,
        20404,
        `The requested resource /2010-04-01/Accounts/${accountSid}/Calls/${callSid}.json was not found`,
      );
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(resource(call)));
  }

  const server = createServer((req, res) => {
    res.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const create = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/.exec(path);
    const fetchOne = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/.exec(path);
    const handle = async () => {
      if (create?.[1] && req.method === 'POST') return createCall(req, res, decodeURIComponent(create[1]));
      if (fetchOne?.[1] && fetchOne[2] && req.method === 'GET') {
        return getCall(req, res, decodeURIComponent(fetchOne[1]), decodeURIComponent(fetchOne[2]));
      }
      twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
    };
    handle().catch((error: unknown) => {
      log(`fake twilio: ${String(error)}`);
      if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => [...calls.values()],
    createRequests: () => [...creates],
    rateLimitNext: (n = 1) => void (faults.rateLimit += n),
    failNext: (n = 1) => void (faults.fail += n),
    hangNext: (ms, n = 1) => {
      faults.hang += n;
      faults.hangMs = ms;
    },
    dropCallbacksTo: (phone) => void dropped.add(phone),
    warnings: () => [...warnings],
    async close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
