import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import { readJson, retryAfterSeconds, sendProviderRequest } from './twilio-http.ts';
import {
  callEndedFromResource,
  TWILIO_API_VERSION,
  TWILIO_PROVIDER,
  TWILIO_TOO_MANY_REQUESTS,
  twilioCallResourceSchema,
  twilioErrorSchema,
} from './twilio-wire.ts';

export interface TwilioDialerOptions {
  /** TWILIO_API_BASE_URL; https://api.twilio.com in production. */
  baseUrl: string;
  /** How long one request may take before its outcome counts as unknown; 10 s unless given. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** The events we ask Twilio to report; only the final one changes our state. */
const STATUS_CALLBACK_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];
/** Twilio's limit for `Timeout` (seconds of ringing). */
const MAX_TIMEOUT_SECONDS = 600;

interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

function credentialsOf(input: Record<string, string> | null): TwilioCredentials | null {
  const accountSid = input?.account_sid;
  const authToken = input?.auth_token;
  return accountSid && authToken ? { accountSid, authToken } : null;
}

function basicAuth(c: TwilioCredentials): string {
  return `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`;
}

/** `HTTP 400, error 21211: Invalid 'To' Phone Number` from Twilio's error body. */
async function describeError(response: Response): Promise<{ text: string; code: number | null }> {
  const parsed = twilioErrorSchema.safeParse(await readJson(response));
  const code = parsed.success ? (parsed.data.code ?? null) : null;
  const message = parsed.success ? parsed.data.message : null;
  const detail = code !== null ? `error ${code}${message ? `: ${message}` : ''}` : (message ?? 'no details');
  return { text: `HTTP ${response.status}, ${detail}`, code };
}

/** The agent runtime's TwiML URL, told which recipient this call is for. */
function twimlUrl(base: string, input: PlaceCallInput): string {
  const url = new URL(base);
  url.searchParams.set('batch_id', input.ref.batchId);
  url.searchParams.set('recipient_id', input.recipientId);
  return url.toString();
}

/**
 * The Dialer for Twilio Programmable Voice. `placeCall` creates a Call resource; its outcome:
 * 201 → placed; 429 or error 20429 → rate_limited (Retry-After, 1 s when absent: Twilio's default
 * pace is one call per second); 401/403 → rejected, naming the credentials; other 4xx (a bad number,
 * an unknown account) → rejected with Twilio's error; 5xx, a timeout or a broken connection once sent
 * → unknown (Twilio has no idempotency key for calls, so a re-send could ring a person twice). A
 * connection never established throws, since nothing was placed.
 */
export function createTwilioDialer(options: TwilioDialerOptions): Dialer {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetch;
  const accountUrl = (sid: string) => `${base}/${TWILIO_API_VERSION}/Accounts/${encodeURIComponent(sid)}`;

  return {
    provider: TWILIO_PROVIDER,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const credentials = credentialsOf(input.credentials);
      if (!credentials) {
        return {
          kind: 'rejected',
          error: 'The phone number has no Twilio credentials: account_sid and auth_token are required.',
        };
      }
      const agentTwiml = input.agent.telephony.twiml_url;
      if (!agentTwiml) {
        return {
          kind: 'rejected',
          error: "The agent has no telephony.twiml_url: Twilio needs the agent runtime's TwiML endpoint.",
        };
      }
      const form = new URLSearchParams({
        To: input.to,
        From: input.from,
        Url: twimlUrl(agentTwiml, input),
        Method: 'POST',
        StatusCallback: input.callbackUrl,
        StatusCallbackMethod: 'POST',
        Timeout: String(Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, Math.ceil(input.ringingTimeoutMs / 1000)))),
        MachineDetection: 'Enable',
      });
      for (const event of STATUS_CALLBACK_EVENTS) form.append('StatusCallbackEvent', event);

      const sent = await sendProviderRequest(
        'Twilio',
        fetchImpl,
        `${accountUrl(credentials.accountSid)}/Calls.json`,
        {
          method: 'POST',
          headers: {
            authorization: basicAuth(credentials),
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
        },
        timeoutMs,
      );
      if (sent.kind === 'unknown') return sent;
      const { response } = sent;

      if (response.status === 200 || response.status === 201) {
        const parsed = twilioCallResourceSchema.safeParse(await readJson(response));
        if (!parsed.success) return { kind: 'unknown', error: 'Twilio accepted the call without a CallSid' };
        return { kind: 'placed', providerCallId: parsed.data.sid };
      }
      if (response.status === 429) {
        const retryAfter = retryAfterSeconds(response, 1);
        await response.body?.cancel();
        return { kind: 'rate_limited', retryAfterSeconds: retryAfter };
      }
      const { text, code } = await describeError(response);
      if (code === TWILIO_TOO_MANY_REQUESTS) return { kind: 'rate_limited', retryAfterSeconds: 1 };
      if (response.status === 401 || response.status === 403) {
        return {
          kind: 'rejected',
          error: `Twilio rejected the phone number's credentials (${text}): check its account_sid and auth_token.`,
        };
      }
      if (response.status >= 400 && response.status < 500) {
        return { kind: 'rejected', error: `Twilio refused the call (${text}).` };
      }
      return { kind: 'unknown', error: `Twilio answered ${text}` };
    },

    async getCall(providerCallId, rawCredentials): Promise<CallEndedEvent | null> {
      const credentials = credentialsOf(rawCredentials);
      if (!credentials)
        throw new Error('The phone number has no Twilio credentials to look the call up with');
      const sent = await sendProviderRequest(
        'Twilio',
        fetchImpl,
        `${accountUrl(credentials.accountSid)}/Calls/${encodeURIComponent(providerCallId)}.json`,
        { headers: { authorization: basicAuth(credentials), accept: 'application/json' } },
        timeoutMs,
      );
      if (sent.kind === 'unknown') throw new Error(sent.error);
      if (!sent.response.ok) {
        const { text } = await describeError(sent.response);
        throw new Error(`Twilio answered ${text} for call ${providerCallId}`);
      }
      const parsed = twilioCallResourceSchema.safeParse(await readJson(sent.response));
      if (!parsed.success) throw new Error(`Twilio's Call resource ${providerCallId} is malformed`);
      return callEndedFromResource(parsed.data, new Date());
    },
  };
}
